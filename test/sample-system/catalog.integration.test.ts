// The walking skeleton for real: Postgres 15 and redis-server on free ports in a temp dir, the
// catalog and the gateway as the harness runs them, and a delaying TCP proxy on the
// catalog->Postgres edge standing in for Toxiproxy's latency toxic. Two stacks side by side share
// the infrastructure: one with every pattern on, one with RESILIENCE_DISABLE=breaker,fallback.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DelayProxy, startDelayProxy } from './support/delay-proxy.ts';
import { missingInfra, type Started, startPostgresAndRedis } from './support/infra.ts';
import { availability, openLoad, percentileMs, type Sample, send, settledAfterMs, summary } from './support/load.ts';
import { type RunningService, startAll, startService } from './support/services.ts';

const skipReason = missingInfra();
const PRODUCT_IDS = 100;
const FAULT_DELAY_MS = 400;

function metricValue(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

describe.skipIf(skipReason !== undefined)(`catalog and gateway on real Postgres and Redis${skipReason ? ` — skipped: ${skipReason}` : ''}`, () => {
  let tempDir = '';
  let postgres: Started | undefined;
  let redis: Started | undefined;
  let proxy: DelayProxy | undefined;
  const services: RunningService[] = [];
  let protectedGateway: RunningService;
  let protectedCatalog: RunningService;
  let bareGateway: RunningService;
  let bareCatalog: RunningService;

  beforeAll(async () => {
    tempDir = await mkdtemp(join(tmpdir(), 'faultline-sample-system-'));
    const infra = await startPostgresAndRedis(tempDir, (started) => ({ postgres, redis } = started));
    proxy = await startDelayProxy(infra.postgres.port);
    const dependencies = { DATABASE_URL: `postgres://postgres@127.0.0.1:${proxy.port}/postgres`, REDIS_URL: infra.redis.url };
    // both catalogs migrate the same empty database at once: the advisory lock must serialize them
    [protectedCatalog, bareCatalog] = (await startAll(services, [
      () => startService('catalog', { ...dependencies, REPLICA_ID: 'catalog-1' }, 'catalog (all patterns)'),
      () => startService('catalog', { ...dependencies, REPLICA_ID: 'catalog-2', RESILIENCE_DISABLE: 'breaker,fallback' }, 'catalog (breaker,fallback off)'),
    ])) as [RunningService, RunningService];
    // these tests are about the catalog: one tenant at 100 req/s, above the gateway's default per-tenant limit
    const roomy = { RATE_LIMIT_PER_SECOND: '1000' };
    [protectedGateway, bareGateway] = (await startAll(services, [
      () => startService('gateway', { ...roomy, CATALOG_URL: protectedCatalog.url }, 'gateway (all patterns)'),
      () => startService('gateway', { ...roomy, CATALOG_URL: bareCatalog.url, RESILIENCE_DISABLE: 'breaker,fallback' }, 'gateway (breaker,fallback off)'),
    ])) as [RunningService, RunningService];
  }, 60_000);

  afterAll(async () => {
    await Promise.all(services.map((s) => s.stop()));
    await proxy?.close();
    await Promise.all([redis?.stop(), postgres?.stop()]);
    if (tempDir) await rm(tempDir, { recursive: true, force: true });
  }, 30_000);

  it('serves the read API through the gateway: product, 404, 400, list, search, request id', async () => {
    const get = (path: string, headers: Record<string, string> = {}): Promise<Response> => fetch(`${protectedGateway.url}${path}`, { headers });
    const product = await get('/products/7', { 'x-request-id': 'req-42', 'x-tenant': 'acme' });
    expect(product.status).toBe(200);
    expect(product.headers.get('x-request-id')).toBe('req-42');
    expect(await product.json()).toMatchObject({ id: 7, price_cents: expect.any(Number), stock: expect.any(Number) });
    expect((await get('/products/1001')).status).toBe(404);
    expect((await get('/products/abc')).status).toBe(400);
    expect(((await (await get('/products?limit=5')).json()) as { products: unknown[] }).products).toHaveLength(5);
    const found = (await (await get('/search?q=LAMP&limit=3')).json()) as { products: { name: string }[] };
    expect(found.products.length).toBe(3);
    for (const p of found.products) expect(p.name).toMatch(/lamp/i);
  });

  it('coalesces concurrent reads of one product into one Postgres query (single flight)', async () => {
    const attempts = async (): Promise<number> =>
      metricValue(await (await fetch(`${protectedCatalog.url}/metrics`)).text(), 'dependency_calls_total{dependency="postgres",result="ok"}');
    const before = await attempts();
    proxy?.setDelayMs(40); // long enough for the reads to overlap, well inside the 100 ms attempt timeout
    try {
      const answers = await Promise.all(Array.from({ length: 20 }, () => fetch(`${protectedCatalog.url}/products/77`)));
      expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
    } finally {
      proxy?.setDelayMs(0);
    }
    expect((await attempts()) - before).toBeLessThanOrEqual(2);
    expect(metricValue(await (await fetch(`${protectedCatalog.url}/metrics`)).text(), 'coalesced_total')).toBeGreaterThanOrEqual(18);
  });

  // The speed figure itself is `npm run bench`'s job; this bound only tells healthy (a few ms) from
  // a path that waits on a timeout (>= 100 ms), so a busy CI machine does not make it flaky.
  it('answers GET /products/:id ok and without waiting on any timeout at 100 req/s when all is well', { timeout: 20_000 }, async () => {
    const url = (i: number): string => `${protectedGateway.url}/products/${1 + ((i * 37) % PRODUCT_IDS)}`;
    await openLoad({ ratePerSecond: 100, durationMs: 1000, url }); // warm-up: JIT, pools, and the Redis copies
    const samples = await openLoad({ ratePerSecond: 100, durationMs: 3000, url });
    expect(availability(samples), summary(samples)).toBe(1);
    expect(percentileMs(samples, 99), summary(samples)).toBeLessThan(100);
    expect(samples.filter((s) => s.degraded).length, summary(samples)).toBe(0);
  });

  it('with Postgres 400 ms slow keeps >= 99% answered within p99 300 ms, fails with breaker and fallback off, and recovers', { timeout: 30_000 }, async () => {
    // every product the load will ask for has a last-known-good copy (the baseline test read them too)
    await Promise.all(Array.from({ length: PRODUCT_IDS }, (_, i) => send(`${protectedGateway.url}/products/${i + 1}`)));
    proxy?.setDelayMs(FAULT_DELAY_MS);
    const faultLoad = (gateway: RunningService): Promise<Sample[]> =>
      openLoad({ ratePerSecond: 50, durationMs: 5000, url: (i) => `${gateway.url}/products/${1 + ((i * 37) % PRODUCT_IDS)}` });
    const [withPatterns, withoutPatterns] = await Promise.all([faultLoad(protectedGateway), faultLoad(bareGateway)]);
    const report = `all patterns: ${summary(withPatterns)}\nbreaker,fallback off: ${summary(withoutPatterns)}`;
    console.info(report);

    expect(availability(withPatterns), report).toBeGreaterThanOrEqual(0.99);
    expect(percentileMs(withPatterns, 99), report).toBeLessThanOrEqual(300);
    expect(withPatterns.filter((s) => s.degraded).length, report).toBeGreaterThan(withPatterns.length / 2);
    expect(availability(withoutPatterns), report).toBeLessThan(0.1);
    expect(
      withoutPatterns.every((s) => s.status >= 500 || s.status === 200),
      report,
    ).toBe(true);

    proxy?.setDelayMs(0);
    const removedAtMs = performance.now();
    const after = await openLoad({ ratePerSecond: 50, durationMs: 3000, url: (i) => `${protectedGateway.url}/products/${1 + ((i * 37) % PRODUCT_IDS)}` });
    const recoveredAfterMs = settledAfterMs(after, removedAtMs);
    console.info(`recovery: plain ok again ${recoveredAfterMs.toFixed(0)} ms after the delay was removed; ${summary(after)}`);
    expect(recoveredAfterMs, summary(after)).toBeLessThan(2000);
    expect(availability(after)).toBe(1);
  });

  it('shows the fault in its metrics: attempts, retries, breaker transitions and fallbacks', async () => {
    const withPatterns = await (await fetch(`${protectedCatalog.url}/metrics`)).text();
    expect(metricValue(withPatterns, 'dependency_calls_total{dependency="postgres",result="timeout"}')).toBeGreaterThan(0);
    expect(metricValue(withPatterns, 'breaker_transitions_total{dependency="postgres",to="open"}')).toBeGreaterThanOrEqual(1);
    expect(metricValue(withPatterns, 'breaker_transitions_total{dependency="postgres",to="closed"}')).toBeGreaterThanOrEqual(1);
    expect(metricValue(withPatterns, 'breaker_state{dependency="postgres"}')).toBe(0);
    expect(metricValue(withPatterns, 'fallbacks_total{reason="breaker_open"}')).toBeGreaterThan(0);
    expect(withPatterns).toMatch(/^http_requests_total\{route="\/products\/:id",status="200",outcome="degraded"\} \d+/m);
    expect(withPatterns).toContain('nodejs_eventloop_lag_seconds');

    const without = await (await fetch(`${bareCatalog.url}/metrics`)).text();
    const attempts = metricValue(without, 'dependency_calls_total{dependency="postgres",result="timeout"}');
    expect(metricValue(without, 'dependency_retries_total{dependency="postgres"}')).toBeGreaterThan(0);
    expect(attempts).toBeGreaterThan(metricValue(without, 'http_requests_total{route="/products/:id",status="504",outcome="error"}'));
    expect(without).not.toContain('fallbacks_total{');
    expect(without).not.toContain('breaker_transitions_total{');

    const gateway = await (await fetch(`${bareGateway.url}/metrics`)).text();
    expect(metricValue(gateway, 'upstream_calls_total{upstream="catalog",result="error"}')).toBeGreaterThan(0);
  });

  it('shuts every service down on SIGTERM with exit code 0 within 2 s', async () => {
    const stopped = await Promise.all(services.splice(0).map(async (s) => ({ name: s.name, ...(await s.stop()) })));
    for (const s of stopped) {
      expect(s.code, s.name).toBe(0);
      expect(s.tookMs, s.name).toBeLessThan(2000);
    }
  });
});
