// What every service's HTTP side shares: a fastify app with pino JSON logs (request id from
// x-request-id, tenant from x-tenant, deadline from x-deadline, no per-request info lines), Prometheus metrics for every
// request (route, status, outcome ok|degraded|error), `/metrics` and the two health checks.

import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance, LogController } from 'fastify';
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import { DEADLINE_HEADER, parseDeadline } from '../resilience/deadline.ts';

export const REQUEST_ID_HEADER = 'x-request-id';
export const TENANT_HEADER = 'x-tenant';
export const PRIORITY_HEADER = 'x-priority';
export const DEGRADED_HEADER = 'x-degraded';
export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';

export type Outcome = 'ok' | 'degraded' | 'error';

export interface ServiceApp {
  app: FastifyInstance;
  registry: Registry;
}

export interface ServiceAppOptions {
  service: string;
  replicaId?: string;
  logLevel?: string;
  /**
   * For the edge, which sets deadlines: the deadline a request gets on arrival, from the one it came
   * with (undefined: none). It replaces the request's x-deadline, so the request's logs name the
   * deadline its hops pass on.
   */
  deadlineOnArrival?: (given: number | undefined, nowMs: number) => number;
}

/** A response's outcome: 5xx is an error, a marked fallback is degraded, all else is ok. */
export function outcomeOf(statusCode: number, degraded: boolean): Outcome {
  if (statusCode >= 500) return 'error';
  return degraded ? 'degraded' : 'ok';
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

export function createServiceApp(options: ServiceAppOptions): ServiceApp {
  const app = Fastify({
    logger: {
      level: options.logLevel ?? 'info',
      base: { service: options.service, ...(options.replicaId ? { replica: options.replicaId } : {}) },
    },
    logController: new LogController({ disableRequestLogging: true }),
    requestIdHeader: REQUEST_ID_HEADER,
    genReqId: () => randomUUID(),
    childLoggerFactory: (logger, bindings, childOptions, rawReq) => {
      const tenant = headerValue(rawReq.headers[TENANT_HEADER]);
      let deadline = headerValue(rawReq.headers[DEADLINE_HEADER]);
      if (options.deadlineOnArrival) rawReq.headers[DEADLINE_HEADER] = deadline = String(options.deadlineOnArrival(parseDeadline(deadline), Date.now()));
      return logger.child({ ...bindings, ...(tenant === undefined ? {} : { tenant }), ...(deadline === undefined ? {} : { deadline }) }, childOptions);
    },
    return503OnClosing: true,
  });

  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests answered, by route, status and outcome',
    labelNames: ['route', 'status', 'outcome'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration in seconds, by route and outcome',
    labelNames: ['route', 'outcome'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.3, 0.5, 1, 2.5, 5],
    registers: [registry],
  });

  app.addHook('onSend', async (request, reply, payload) => {
    reply.header(REQUEST_ID_HEADER, request.id);
    return payload;
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    if (route === '/metrics' || route.startsWith('/health/')) return; // the harness' polling is not traffic
    const outcome = outcomeOf(reply.statusCode, reply.getHeader(DEGRADED_HEADER) !== undefined);
    requests.inc({ route, status: String(reply.statusCode), outcome });
    duration.observe({ route, outcome }, reply.elapsedTime / 1000);
  });

  app.get('/metrics', async (_request, reply) => {
    reply.header('content-type', registry.contentType);
    return registry.metrics();
  });
  app.get('/health/live', async () => ({ status: 'live' }));
  return { app, registry };
}

/**
 * `GET /health/ready`: 200 while `isReady()` holds, 503 otherwise. It names the process (pid), so
 * whoever waits for it can tell this service from another process on the same port.
 */
export function registerReadiness(app: FastifyInstance, isReady: () => boolean | Promise<boolean>): void {
  app.get('/health/ready', async (_request, reply) => {
    const ready = await isReady();
    reply.code(ready ? 200 : 503);
    return { status: ready ? 'ready' : 'not ready', pid: process.pid };
  });
}
