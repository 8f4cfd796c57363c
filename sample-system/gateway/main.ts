// The gateway: the edge. Routes product reads to the catalog replicas (round robin), with a
// per-hop timeout and a deadline propagated in x-deadline. No retries here: retries happen at
// one layer only (the catalog), so a fault is never multiplied by the depth of the call chain.
// Env: HOST (127.0.0.1), PORT, CATALOG_URL (comma list), RESILIENCE_DISABLE, REQUEST_TIMEOUT_MS.

import { randomUUID } from 'node:crypto';
import client from 'prom-client';
import { createService, portFromEnv, requireEnv, shutdownOn, switchesFromEnv } from '../shared/service.ts';
import { DEADLINE_HEADER } from '../resilience/deadline.ts';

const host = process.env.HOST ?? '127.0.0.1';
const port = portFromEnv();
const sw = switchesFromEnv();
const catalogs = requireEnv('CATALOG_URL').split(',').map((u) => u.trim().replace(/\/$/, '')).filter(Boolean);
const timeoutMs = Number(process.env.REQUEST_TIMEOUT_MS ?? 1000);
const FORWARDED = ['x-tenant', 'x-priority', 'x-request-id'];

const { app, registry, ready } = createService('gateway', sw);
const upstreamCalls = new client.Counter({ name: 'upstream_calls_total', help: 'calls to an upstream service', labelNames: ['upstream', 'result'] as const, registers: [registry] });
let next = 0;

async function forward(path: string, headers: Record<string, string | string[] | undefined>): Promise<{ status: number; body: string; degraded?: string }> {
  const base = catalogs[next++ % catalogs.length] as string;
  const out: Record<string, string> = {};
  for (const h of FORWARDED) if (typeof headers[h] === 'string') out[h] = headers[h];
  out['x-request-id'] ??= randomUUID();
  if (sw.enabled('deadline')) out[DEADLINE_HEADER] = String(Date.now() + timeoutMs);
  try {
    const res = await fetch(base + path, { headers: out, ...(sw.enabled('timeout') ? { signal: AbortSignal.timeout(timeoutMs) } : {}) });
    upstreamCalls.inc({ upstream: 'catalog', result: res.status >= 500 ? 'error' : 'ok' });
    const degraded = res.headers.get('x-degraded') ?? undefined;
    return { status: res.status, body: await res.text(), ...(degraded ? { degraded } : {}) };
  } catch (error) {
    const timedOut = (error as Error).name === 'TimeoutError';
    upstreamCalls.inc({ upstream: 'catalog', result: timedOut ? 'timeout' : 'error' });
    return { status: timedOut ? 504 : 502, body: JSON.stringify({ error: `catalog ${timedOut ? `timed out after ${timeoutMs} ms` : `unreachable: ${(error as Error).message}`}` }) };
  }
}

for (const route of ['/products/:id', '/products', '/search']) {
  app.get(route, async (request, reply) => {
    const answer = await forward(request.url, request.headers);
    if (answer.degraded) reply.header('x-degraded', answer.degraded);
    return reply.code(answer.status).type('application/json').send(answer.body);
  });
}

app.get('/health/upstream', async () => ({ catalogs }));
shutdownOn(app, async () => undefined);

try {
  await app.listen({ host, port });
  // ready once a catalog answers its readiness check
  for (let i = 0; i < 100 && !ready.value; i++) {
    ready.value = await Promise.any(
      catalogs.map(async (c) => {
        if (!(await fetch(`${c}/health/ready`, { signal: AbortSignal.timeout(500) })).ok) throw new Error(`${c} not ready`);
        return true;
      }),
    ).catch(() => false);
    if (!ready.value) await new Promise((r) => setTimeout(r, 100));
  }
} catch (error) {
  app.log.error({ err: (error as Error).message }, 'gateway failed to start');
  process.exit(1);
}
