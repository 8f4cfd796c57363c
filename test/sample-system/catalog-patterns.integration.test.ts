// Deadline propagation and per-hop timeouts on the catalog's read path, against real Postgres and
// Redis. Each test shows one behaviour only its pattern produces, beside a twin that differs from
// it by that one pattern (RESILIENCE_DISABLE=deadline, RESILIENCE_DISABLE=timeout). Postgres is
// made slow by a delaying TCP proxy on the catalog->Postgres edge (Toxiproxy's latency toxic).

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DelayProxy, startDelayProxy } from './support/delay-proxy.ts';
import { missingInfra, type Started, startPostgresAndRedis } from './support/infra.ts';
import { scrape } from './support/metrics.ts';
import { type RunningService, startAll, startService } from './support/services.ts';

const skipReason = missingInfra();
/** Far beyond the catalog's 250 ms Postgres budget, well inside the test's patience. */
const POSTGRES_DELAY_MS = 1200;

interface Answer {
  status: number;
  body: { error?: string; id?: number };
  tookMs: number;
  degraded: string | null;
}

async function get(service: RunningService, path: string, headers: Record<string, string> = {}): Promise<Answer> {
  const t0 = performance.now();
  const res = await fetch(`${service.url}${path}`, { headers: { 'x-tenant': 'acme', ...headers }, signal: AbortSignal.timeout(10_000) });
  const body = (await res.json()) as Answer['body'];
  return { status: res.status, body, tookMs: performance.now() - t0, degraded: res.headers.get('x-degraded') };
}

const DEADLINE_SERIES = { dropped: 'deadline_exceeded_total', queries: 'dependency_calls_total{dependency="postgres",result="ok"}' };

describe.skipIf(skipReason !== undefined)(`deadline and timeout patterns on real Postgres and Redis${skipReason ? ` — skipped: ${skipReason}` : ''}`, () => {
  let tempDir = '';
  let postgres: Started | undefined;
  let redis: Started | undefined;
  let proxy: DelayProxy | undefined;
  const services: RunningService[] = [];
  let catalog: RunningService; // every pattern on, Postgres behind the delay proxy
  let catalogNoDeadline: RunningService;
  let catalogNoTimeout: RunningService; // Postgres behind the same delay proxy
  let gateway: RunningService;
  let gatewayNoDeadline: RunningService;

  beforeAll(async () => {
    tempDir = await mkdtemp(join(tmpdir(), 'faultline-catalog-patterns-'));
    const infra = await startPostgresAndRedis(tempDir, (started) => ({ postgres, redis } = started));
    proxy = await startDelayProxy(infra.postgres.port);
    const slowable = { DATABASE_URL: `postgres://postgres@127.0.0.1:${proxy.port}/postgres`, REDIS_URL: infra.redis.url };
    const direct = { DATABASE_URL: infra.postgres.url, REDIS_URL: infra.redis.url };
    [catalog, catalogNoDeadline, catalogNoTimeout] = (await startAll(services, [
      () => startService('catalog', { ...slowable, REPLICA_ID: 'catalog-1' }, 'catalog (all patterns)'),
      () => startService('catalog', { ...direct, REPLICA_ID: 'catalog-2', RESILIENCE_DISABLE: 'deadline' }, 'catalog (deadline off)'),
      () => startService('catalog', { ...slowable, REPLICA_ID: 'catalog-3', RESILIENCE_DISABLE: 'timeout' }, 'catalog (timeout off)'),
    ])) as [RunningService, RunningService, RunningService];
    const roomy = { RATE_LIMIT_PER_SECOND: '1000' };
    [gateway, gatewayNoDeadline] = (await startAll(services, [
      () => startService('gateway', { ...roomy, CATALOG_URL: catalog.url }, 'gateway (all patterns)'),
      () => startService('gateway', { ...roomy, CATALOG_URL: catalogNoDeadline.url, RESILIENCE_DISABLE: 'deadline' }, 'gateway (deadline off)'),
    ])) as [RunningService, RunningService];
  }, 60_000);

  afterAll(async () => {
    await Promise.all(services.map((s) => s.stop()));
    await proxy?.close();
    await Promise.all([redis?.stop(), postgres?.stop()]);
    if (tempDir) await rm(tempDir, { recursive: true, force: true });
  }, 30_000);

  it('drops a request whose x-deadline has passed: 504 deadline_exceeded, counted, Postgres never asked; served with only deadline off', async () => {
    const expired = { 'x-deadline': String(Date.now() - 1000) };
    const before = await scrape(catalog.url, DEADLINE_SERIES);
    const dropped = await get(gateway, '/products/42', expired);
    const after = await scrape(catalog.url, DEADLINE_SERIES);
    expect(dropped.status, catalog.output().slice(-2000)).toBe(504);
    expect(dropped.body.error).toBe('deadline_exceeded');
    expect(after.dropped - before.dropped).toBe(1);
    expect(after.queries - before.queries).toBe(0); // the work was dropped, not done

    const served = await get(gatewayNoDeadline, '/products/42', expired);
    expect(served.status).toBe(200);
    expect(served.body.id).toBe(42);
    expect((await scrape(catalogNoDeadline.url, DEADLINE_SERIES)).dropped).toBe(0);
    // the same request without a deadline of its own is served by the protected stack too
    expect((await get(gateway, '/products/42')).status).toBe(200);
  });

  it(`with Postgres ${POSTGRES_DELAY_MS} ms slow, ends each read within its 250 ms budget; with only timeout off each waits out the delay`, async () => {
    proxy?.setDelayMs(POSTGRES_DELAY_MS);
    let bounded: Answer[];
    let unbounded: Answer[];
    try {
      // three reads at once, fewer than the four connections each catalog keeps warm
      [bounded, unbounded] = await Promise.all([
        Promise.all([601, 602, 603].map((id) => get(catalog, `/products/${id}`))),
        Promise.all([611, 612, 613].map((id) => get(catalogNoTimeout, `/products/${id}`))),
      ]);
    } finally {
      proxy?.setDelayMs(0);
    }
    const report = `timeout on: ${JSON.stringify(bounded)}\ntimeout off: ${JSON.stringify(unbounded)}`;
    console.info(
      `timeout on: slowest ${Math.max(...bounded.map((a) => a.tookMs)).toFixed(0)} ms (${bounded.map((a) => a.status).join(', ')}); timeout off: quickest ${Math.min(...unbounded.map((a) => a.tookMs)).toFixed(0)} ms`,
    );
    // cut off: answered from the last-known-good copy the catalog primed at start (200, marked
    // degraded), or 504 / 503 where that copy could not be read; never by the slow Postgres
    for (const a of bounded) {
      if (a.status === 200) expect(a.degraded, report).toBe('stale-cache');
      else expect([503, 504], report).toContain(a.status);
    }
    expect(Math.max(...bounded.map((a) => a.tookMs)), report).toBeLessThan(800);
    // served, but only once the slow Postgres answered
    for (const a of unbounded) expect(a.status, report).toBe(200);
    expect(Math.min(...unbounded.map((a) => a.tookMs)), report).toBeGreaterThanOrEqual(POSTGRES_DELAY_MS - 50);
    const counted = await scrape(catalog.url, { timeouts: 'dependency_calls_total{dependency="postgres",result="timeout"}' });
    expect(counted.timeouts, report).toBeGreaterThanOrEqual(3);
    expect((await scrape(catalogNoTimeout.url, { timeouts: 'dependency_calls_total{dependency="postgres",result="timeout"}' })).timeouts, report).toBe(0);
  });
});
