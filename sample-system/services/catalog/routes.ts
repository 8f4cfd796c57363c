// The catalog's HTTP routes: validate at the edge, drop requests whose deadline has passed,
// read through the protected path and turn its result into a status, body and x-degraded.

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type pg from 'pg';
import { budgetWithin, DEADLINE_HEADER, parseDeadline } from '../../resilience/deadline.ts';
import { DEGRADED_HEADER } from '../../shared/http.ts';
import type { ServiceMetrics } from '../../shared/metrics.ts';
import { hangOn } from './defect.ts';
import { listProducts, MAX_LIMIT, productById, searchProducts } from './products.ts';
import type { Reader, ReadResult } from './reads.ts';

export const DEFAULT_LIMIT = 20;
export const MAX_QUERY_LENGTH = 100;
/** hit: served from the cache-aside copy; miss: read from Postgres (search only) */
export const CACHE_HEADER = 'x-cache';

export interface CatalogRoutesDeps {
  read: Reader;
  pool: pg.Pool;
  metrics: ServiceMetrics;
  /** the most a request may spend on Postgres */
  postgresBudgetMs: number;
  deadlineOn: boolean;
  nowMs?: () => number;
}

function parseId(raw: string): number | undefined {
  return /^[1-9]\d{0,8}$/.test(raw) ? Number(raw) : undefined;
}

function parseLimit(raw: string | undefined): number | undefined {
  if (raw === undefined || raw === '') return DEFAULT_LIMIT;
  return /^\d{1,3}$/.test(raw) && Number(raw) >= 1 && Number(raw) <= MAX_LIMIT ? Number(raw) : undefined;
}

function badRequest(reply: FastifyReply, message: string): FastifyReply {
  return reply.code(400).send({ error: 'bad_request', message });
}

export function registerCatalogRoutes(app: FastifyInstance, deps: CatalogRoutesDeps): void {
  const { read, pool, metrics } = deps;
  const nowMs = deps.nowMs ?? Date.now;

  /** This request's Postgres budget, or undefined after answering 504 for a passed deadline. */
  const budgetFor = (request: FastifyRequest, reply: FastifyReply): number | undefined => {
    const deadlineMs = deps.deadlineOn ? parseDeadline(request.headers[DEADLINE_HEADER]) : undefined;
    const budgetMs = budgetWithin(deps.postgresBudgetMs, deadlineMs, nowMs());
    if (budgetMs > 0) return budgetMs;
    metrics.deadlineExceeded();
    void reply.code(504).send({ error: 'deadline_exceeded', message: `the request's ${DEADLINE_HEADER} passed ${-budgetMs} ms before it could be served` });
    return undefined;
  };

  const answer = <T>(request: FastifyRequest, reply: FastifyReply, result: ReadResult<T>, notFound: string): FastifyReply => {
    if (result.kind === 'found') {
      if (result.degraded) reply.header(DEGRADED_HEADER, result.degraded);
      return reply.send(result.value);
    }
    if (result.kind === 'not-found') return reply.code(404).send({ error: 'not_found', message: notFound });
    request.log.warn({ status: result.status, reason: result.reason, err: result.message }, 'read failed with no fallback');
    return reply.code(result.status).send({ error: result.reason, message: result.message });
  };

  app.get<{ Params: { id: string } }>('/products/:id', async (request, reply) => {
    const id = parseId(request.params.id);
    if (id === undefined) return badRequest(reply, `id "${request.params.id}" is not a positive integer`);
    const budgetMs = budgetFor(request, reply);
    if (budgetMs === undefined) return reply;
    const result = await read(`product:${id}`, (signal) => productById(pool, id, signal), { budgetMs });
    return answer(request, reply, result, `no product ${id}`);
  });

  app.get<{ Querystring: { limit?: string } }>('/products', async (request, reply) => {
    const limit = parseLimit(request.query.limit);
    if (limit === undefined) return badRequest(reply, `limit must be an integer in 1..${MAX_LIMIT}`);
    const budgetMs = budgetFor(request, reply);
    if (budgetMs === undefined) return reply;
    const result = await read(`products:limit:${limit}`, (signal) => listProducts(pool, limit, signal), { budgetMs });
    return answer(request, reply, result.kind === 'found' ? { ...result, value: { products: result.value } } : result, '');
  });

  app.get<{ Querystring: { q?: string; limit?: string } }>('/search', async (request, reply) => {
    const q = (request.query.q ?? '').trim();
    if (q === '' || q.length > MAX_QUERY_LENGTH) return badRequest(reply, `q must be 1..${MAX_QUERY_LENGTH} characters`);
    hangOn(q); // the deliberate defect poison pills hit (see defect.ts)
    const limit = parseLimit(request.query.limit);
    if (limit === undefined) return badRequest(reply, `limit must be an integer in 1..${MAX_LIMIT}`);
    const budgetMs = budgetFor(request, reply);
    if (budgetMs === undefined) return reply;
    const key = `search:${limit}:${encodeURIComponent(q.toLowerCase())}`;
    const result = await read(key, (signal) => searchProducts(pool, q, limit, signal), { budgetMs, cacheAside: true });
    if (result.kind === 'found' && result.cache) reply.header(CACHE_HEADER, result.cache);
    return answer(request, reply, result.kind === 'found' ? { ...result, value: { query: q, products: result.value } } : result, '');
  });
}
