// The gateway: the edge of the shop. Routes each request to its upstream (the catalog replicas,
// orders, recommendations) with a per-hop timeout and a propagated deadline, and passes status,
// body and x-degraded through.
// Env: see config.ts.

import { Counter } from 'prom-client';
import { configOrExit } from '../shared/env.ts';
import { DEGRADED_HEADER, IDEMPOTENCY_KEY_HEADER, PRIORITY_HEADER, TENANT_HEADER, createServiceApp, registerReadiness } from '../shared/http.ts';
import { exitOnSignals } from '../shared/shutdown.ts';
import { parseGatewayConfig } from './config.ts';
import { registerGatewayRoutes, type UpstreamName } from './routes.ts';
import { createUpstream, type Upstream } from './upstream.ts';

const config = configOrExit(() => parseGatewayConfig(process.env));
const { disabled } = config;
const { app, registry } = createServiceApp({ service: 'gateway', logLevel: config.logLevel });
const upstreamCalls = new Counter({ name: 'upstream_calls_total', help: 'Calls to an upstream service, by result (ok|error|timeout|unreachable)', labelNames: ['upstream', 'result'], registers: [registry] });
const fallbacks = new Counter({ name: 'fallbacks_total', help: 'Answers the gateway served from a fallback, by upstream', labelNames: ['reason'], registers: [registry] });

const upstreamFor = (name: UpstreamName, urls: readonly URL[]): Upstream =>
  createUpstream({
    name,
    urls,
    timeoutMs: disabled.has('timeout') ? undefined : config.requestTimeoutMs,
    deadlineMs: disabled.has('deadline') ? undefined : config.requestTimeoutMs,
    forwardHeaders: [TENANT_HEADER, PRIORITY_HEADER, IDEMPOTENCY_KEY_HEADER],
    returnHeaders: [DEGRADED_HEADER, 'content-type', 'retry-after', 'location', 'idempotent-replayed'],
    onCall: (result) => upstreamCalls.inc({ upstream: name, result }),
  });

const upstreams: Partial<Record<UpstreamName, Upstream>> = { catalog: upstreamFor('catalog', config.catalogUrls) };
if (config.ordersUrl) upstreams.orders = upstreamFor('orders', [config.ordersUrl]);
if (config.recommendationsUrl) upstreams.recommendations = upstreamFor('recommendations', [config.recommendationsUrl]);

const served = registerGatewayRoutes(app, {
  upstreams,
  fallbackOn: !disabled.has('fallback'),
  onFallback: (upstream) => fallbacks.inc({ reason: `${upstream}_unavailable` }),
});

let stopping = false;
// ready when the catalog (the shop's critical read path) has a ready replica
registerReadiness(app, async () => !stopping && (await (upstreams.catalog as Upstream).ready()));

exitOnSignals({
  log: app.log,
  close: async () => {
    stopping = true;
    await app.close();
    await Promise.allSettled(Object.values(upstreams).map((u) => u.close()));
  },
});

try {
  await app.listen({ host: config.host, port: config.port });
  app.log.info({ disabled: [...disabled], routes: served.map((r) => `${r.method} ${r.url} -> ${r.upstream}`), catalog: config.catalogUrls.map((u) => u.href) }, 'gateway listening');
} catch (error) {
  app.log.fatal({ err: error }, `cannot listen on ${config.host}:${config.port}: ${(error as Error).message}`);
  process.exit(1);
}
