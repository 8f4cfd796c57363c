// The gateway: the edge of the shop. Forwards product reads to the catalog replicas with a
// per-hop timeout and a propagated deadline, and passes status, body and x-degraded through.
// Env: HOST, PORT, CATALOG_URL (comma list), RESILIENCE_DISABLE, REQUEST_TIMEOUT_MS, LOG_LEVEL.

import { Counter } from 'prom-client';
import { DEGRADED_HEADER, PRIORITY_HEADER, REQUEST_ID_HEADER, TENANT_HEADER, createServiceApp, registerReadiness } from '../shared/http.ts';
import { configOrExit } from '../shared/env.ts';
import { exitOnSignals } from '../shared/shutdown.ts';
import { parseGatewayConfig } from './config.ts';
import { createUpstream } from './upstream.ts';

export const ROUTES = ['/products/:id', '/products', '/search'] as const;

const config = configOrExit(() => parseGatewayConfig(process.env));
const { app, registry } = createServiceApp({ service: 'gateway', logLevel: config.logLevel });
const upstreamCalls = new Counter({ name: 'upstream_calls_total', help: 'Calls to an upstream service, by result (ok|error|timeout|unreachable)', labelNames: ['upstream', 'result'], registers: [registry] });

const catalog = createUpstream({
  name: 'catalog',
  urls: config.catalogUrls,
  timeoutMs: config.disabled.has('timeout') ? undefined : config.requestTimeoutMs,
  deadlineMs: config.disabled.has('deadline') ? undefined : config.requestTimeoutMs,
  forwardHeaders: [TENANT_HEADER, PRIORITY_HEADER],
  returnHeaders: [DEGRADED_HEADER, 'content-type', 'retry-after'],
  onCall: (result) => upstreamCalls.inc({ upstream: 'catalog', result }),
});

for (const route of ROUTES) {
  app.get(route, async (request, reply) => {
    // the request id is fastify's: the incoming x-request-id, or a fresh one
    const answer = await catalog.forward(request.url, { ...request.headers, [REQUEST_ID_HEADER]: request.id });
    if (answer.kind === 'failed') {
      request.log.warn({ upstream: 'catalog', result: answer.result, err: answer.message }, 'upstream call failed');
      return reply.code(answer.result === 'timeout' ? 504 : 502).send({ error: `upstream_${answer.result}`, message: answer.message });
    }
    reply.code(answer.status).headers(answer.headers);
    return reply.send(answer.body);
  });
}

let stopping = false;
registerReadiness(app, async () => !stopping && (await catalog.ready()));

exitOnSignals({
  log: app.log,
  close: async () => {
    stopping = true;
    await app.close();
    await catalog.close();
  },
});

try {
  await app.listen({ host: config.host, port: config.port });
  app.log.info({ disabled: [...config.disabled], catalog: config.catalogUrls.map((u) => u.href) }, 'gateway listening');
} catch (error) {
  app.log.fatal({ err: error }, `cannot listen on ${config.host}:${config.port}: ${(error as Error).message}`);
  process.exit(1);
}
