// The orders service's HTTP routes: validate at the edge, drop requests whose deadline has
// passed, place or read the order, and answer. 201 + Location for a new order, 200 for a replay
// of its key (marked `idempotent-replayed: true`); both are acknowledgements.

import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { budgetWithin, DEADLINE_HEADER, parseDeadline } from '../../resilience/deadline.ts';
import { IDEMPOTENCY_KEY_HEADER, TENANT_HEADER } from '../../shared/http.ts';
import type { ServiceMetrics } from '../../shared/metrics.ts';
import { failureOf, type PlaceDeps, placeOrder } from './place.ts';
import { type Order, orderById } from './store.ts';

export const KEY_PATTERN = /^[A-Za-z0-9_.:-]{1,128}$/;
export const MAX_QUANTITY = 100;

export interface OrdersRoutesDeps extends PlaceDeps {
  metrics: ServiceMetrics;
  /** the most one request may take, all steps together */
  requestBudgetMs: number;
  deadlineOn: boolean;
}

/** Same tenant, product and quantity: the same request. A reused key with another is refused. */
export function requestHash(tenant: string, productId: number, quantity: number): string {
  return createHash('sha256').update(`${tenant}\n${productId}\n${quantity}`).digest('hex').slice(0, 32);
}

const isWhole = (v: unknown, min: number, max: number): v is number => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;

function orderBody(order: Order): Record<string, unknown> {
  return { ...order };
}

export function registerOrdersRoutes(app: FastifyInstance, deps: OrdersRoutesDeps): void {
  const nowMs = deps.nowMs ?? Date.now;
  const badRequest = (reply: FastifyReply, message: string): FastifyReply => reply.code(400).send({ error: 'bad_request', message });

  const budgetFor = (request: FastifyRequest, reply: FastifyReply): number | undefined => {
    const deadlineMs = deps.deadlineOn ? parseDeadline(request.headers[DEADLINE_HEADER]) : undefined;
    const budgetMs = budgetWithin(deps.requestBudgetMs, deadlineMs, nowMs());
    if (budgetMs > 0) return budgetMs;
    deps.metrics.deadlineExceeded();
    void reply.code(504).send({ error: 'deadline_exceeded', message: `the request's ${DEADLINE_HEADER} passed ${-budgetMs} ms before it could be served` });
    return undefined;
  };

  app.post<{ Body: { productId?: unknown; quantity?: unknown } | null }>('/orders', async (request, reply) => {
    const key = request.headers[IDEMPOTENCY_KEY_HEADER];
    if (typeof key !== 'string' || !KEY_PATTERN.test(key))
      return badRequest(reply, `the ${IDEMPOTENCY_KEY_HEADER} header is required: 1..128 of [A-Za-z0-9_.:-]`);
    const body = request.body ?? {};
    if (!isWhole(body.productId, 1, 1_000_000_000)) return badRequest(reply, `productId ${JSON.stringify(body.productId)} must be a positive whole number`);
    if (!isWhole(body.quantity, 1, MAX_QUANTITY))
      return badRequest(reply, `quantity ${JSON.stringify(body.quantity)} must be a whole number in 1..${MAX_QUANTITY}`);
    const budgetMs = budgetFor(request, reply);
    if (budgetMs === undefined) return reply;
    const tenant = typeof request.headers[TENANT_HEADER] === 'string' ? (request.headers[TENANT_HEADER] as string) : 'anonymous';
    const result = await placeOrder(
      deps,
      { key, requestHash: requestHash(tenant, body.productId, body.quantity), tenant, productId: body.productId, quantity: body.quantity },
      budgetMs,
    );
    if (result.kind === 'placed') {
      reply.code(result.status).header('location', `/orders/${result.order.id}`);
      if (result.replayed) reply.header('idempotent-replayed', 'true');
      return reply.send(orderBody(result.order));
    }
    if (result.kind === 'failed') request.log.warn({ status: result.status, err: result.message, key }, 'order not placed');
    return reply.code(result.status).send({ error: result.error, message: result.message });
  });

  app.get<{ Params: { id: string } }>('/orders/:id', async (request, reply) => {
    if (!/^[1-9]\d{0,15}$/.test(request.params.id)) return badRequest(reply, `id "${request.params.id}" is not a positive integer`);
    const id = Number(request.params.id);
    const budgetMs = budgetFor(request, reply);
    if (budgetMs === undefined) return reply;
    try {
      const order = await deps.postgres.call((signal) => orderById(deps.pool, id, signal), {
        idempotent: true,
        budgetMs: Math.min(budgetMs, deps.limits.postgresBudgetMs),
      });
      if (order === undefined) return reply.code(404).send({ error: 'not_found', message: `no order ${id}` });
      return reply.send(orderBody(order));
    } catch (error) {
      const failure = failureOf('reading the order', error);
      return reply.code(failure.status).send({ error: failure.error, message: failure.message });
    }
  });
}
