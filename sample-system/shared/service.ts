// What every service of the sample system shares: env parsing, the fastify app with health
// and /metrics routes, request outcome metrics (ok / degraded / error), graceful shutdown.

import Fastify, { type FastifyInstance } from 'fastify';
import client from 'prom-client';
import { switches, type Switches } from '../resilience/patterns.ts';

export function requireEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') {
    process.stderr.write(`${process.argv[1]}: environment variable ${name} is required\n`);
    process.exit(1);
  }
  return value;
}

export function portFromEnv(): number {
  const port = Number(requireEnv('PORT'));
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`PORT=${process.env.PORT} is not a port number (0..65535)\n`);
    process.exit(1);
  }
  return port;
}

export function switchesFromEnv(): Switches {
  try {
    return switches(process.env.RESILIENCE_DISABLE);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(1);
  }
}

export interface ServiceKit {
  app: FastifyInstance;
  registry: client.Registry;
  requests: client.Counter<'route' | 'status' | 'outcome'>;
  ready: { value: boolean };
}

export function createService(name: string, sw: Switches): ServiceKit {
  const app = Fastify({ logger: { level: process.env.LOG_LEVEL ?? 'info', base: { service: name, replica: process.env.REPLICA_ID ?? name } }, disableRequestLogging: true, requestIdHeader: 'x-request-id' });
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry });
  const requests = new client.Counter({ name: 'http_requests_total', help: 'requests served, by route, status and outcome (ok, degraded, error)', labelNames: ['route', 'status', 'outcome'] as const, registers: [registry] });
  const duration = new client.Histogram({ name: 'http_request_duration_seconds', help: 'time to answer', labelNames: ['route'] as const, buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers: [registry] });
  const ready = { value: false };

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unknown';
    if (route.startsWith('/health') || route === '/metrics') return;
    const outcome = reply.statusCode >= 400 ? 'error' : reply.getHeader('x-degraded') ? 'degraded' : 'ok';
    requests.inc({ route, status: String(reply.statusCode), outcome });
    duration.observe({ route }, reply.elapsedTime / 1000);
    if (reply.statusCode >= 500) request.log.warn({ route, status: reply.statusCode, tenant: request.headers['x-tenant'] }, 'request failed');
  });
  app.get('/health/live', async () => ({ live: true }));
  app.get('/health/ready', async (_req, reply) => (ready.value ? { ready: true } : reply.code(503).send({ ready: false })));
  app.get('/metrics', async (_req, reply) => reply.type(registry.contentType).send(await registry.metrics()));
  app.log.info({ disabled: [...sw.disabled] }, 'resilience patterns disabled');
  return { app, registry, requests, ready };
}

/** Stops accepting, lets in-flight requests finish, closes resources, exits; a second signal exits at once. */
export function shutdownOn(app: FastifyInstance, close: () => Promise<void>): void {
  let closing = false;
  const stop = (signal: string): void => {
    if (closing) process.exit(1);
    closing = true;
    app.log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 2000);
    force.unref();
    void app
      .close()
      .then(close)
      .then(() => process.exit(0), () => process.exit(1));
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}
