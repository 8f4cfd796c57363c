// The gateway's edge patterns against real Redis, with stand-in upstreams the test controls. Each
// test shows one behaviour only its pattern produces, next to a gateway with that pattern off.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missingInfra, type Started, startRedis } from './support/infra.ts';
import { type RunningService, startService } from './support/services.ts';
import { type StubUpstream, startStubUpstream } from './support/stub-upstream.ts';

const skipReason = missingInfra();

function metricValue(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

interface Answer {
  status: number;
  retryAfter: string | null;
  degraded: string | null;
  tookMs: number;
}

async function get(gateway: RunningService, path: string, headers: Record<string, string> = {}): Promise<Answer> {
  const t0 = performance.now();
  const res = await fetch(`${gateway.url}${path}`, { headers: { 'x-tenant': 'acme', ...headers } });
  await res.arrayBuffer();
  return { status: res.status, retryAfter: res.headers.get('retry-after'), degraded: res.headers.get('x-degraded'), tookMs: performance.now() - t0 };
}

const statuses = (answers: readonly Answer[]): Record<number, number> =>
  answers.reduce<Record<number, number>>((acc, a) => ({ ...acc, [a.status]: (acc[a.status] ?? 0) + 1 }), {});

/** Waits until the start of the next second, so a burst falls in one rate-limit window. */
const nextSecond = (): Promise<void> => new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000) + 5));

describe.skipIf(skipReason !== undefined)(`gateway edge patterns on real Redis${skipReason ? ` — skipped: ${skipReason}` : ''}`, () => {
  let tempDir = '';
  let redis: Started | undefined;
  const stubs: StubUpstream[] = [];
  const gateways: RunningService[] = [];
  let replicaA!: StubUpstream;
  let replicaB!: StubUpstream;
  let slow!: StubUpstream;
  let blackhole!: StubUpstream;
  let recommendations!: StubUpstream;
  let all: RunningService; // every pattern on
  let twin: RunningService; // a second gateway on the same Redis
  let bare: RunningService; // rate-limit, load-shedding, bulkhead, outlier-ejection, quarantine off
  let ejecting: RunningService;
  let ejectingBare: RunningService;
  let slowAll: RunningService;
  let slowBare: RunningService;

  beforeAll(async () => {
    tempDir = await mkdtemp(join(tmpdir(), 'faultline-gateway-'));
    redis = await startRedis(tempDir);
    const [a, b, s, h, r] = await Promise.all(['catalog-1', 'catalog-2', 'slow', 'blackhole', 'recommendations'].map((n) => startStubUpstream(n)));
    [replicaA, replicaB, slow, blackhole, recommendations] = [a, b, s, h, r] as StubUpstream[] as [
      StubUpstream,
      StubUpstream,
      StubUpstream,
      StubUpstream,
      StubUpstream,
    ];
    stubs.push(replicaA, replicaB, slow, blackhole, recommendations);
    slow.delayMs = 300;
    blackhole.delayMs = 5000; // passes its health checks, never answers a request in time
    const base = { REDIS_URL: redis.url, RECOMMENDATIONS_URL: recommendations.url, RATE_LIMIT_PER_SECOND: '20', REQUEST_TIMEOUT_MS: '500' };
    const off = 'rate-limit,load-shedding,bulkhead,outlier-ejection,quarantine';
    const roomy = { RATE_LIMIT_PER_SECOND: '1000' };
    const tight = { ...roomy, MAX_IN_FLIGHT: '10' };
    const specs: [Record<string, string>, string][] = [
      [{ ...base, CATALOG_URL: `${replicaA.url},${replicaB.url}` }, 'gateway (all patterns)'],
      [{ ...base, CATALOG_URL: `${replicaA.url},${replicaB.url}` }, 'gateway (twin)'],
      [{ ...base, CATALOG_URL: `${replicaA.url},${replicaB.url}`, RESILIENCE_DISABLE: off }, 'gateway (edge patterns off)'],
      [{ ...base, ...roomy, CATALOG_URL: `${replicaA.url},${blackhole.url}` }, 'gateway (a black-hole replica)'],
      [
        { ...base, ...roomy, CATALOG_URL: `${replicaA.url},${blackhole.url}`, RESILIENCE_DISABLE: 'outlier-ejection' },
        'gateway (a black-hole replica, no ejection)',
      ],
      [{ ...base, ...tight, CATALOG_URL: slow.url }, 'gateway (slow catalog)'],
      [{ ...base, ...tight, CATALOG_URL: slow.url, RESILIENCE_DISABLE: off }, 'gateway (slow catalog, edge patterns off)'],
    ];
    const started = await Promise.allSettled(specs.map(([env, label]) => startService('gateway', env, label)));
    for (const s of started) if (s.status === 'fulfilled') gateways.push(s.value);
    for (const s of started) if (s.status === 'rejected') throw s.reason;
    [all, twin, bare, ejecting, ejectingBare, slowAll, slowBare] = gateways as [
      RunningService,
      RunningService,
      RunningService,
      RunningService,
      RunningService,
      RunningService,
      RunningService,
    ];
  }, 60_000);

  afterAll(async () => {
    await Promise.all(gateways.map((g) => g.stop()));
    await Promise.all(stubs.map((s) => s.close()));
    await redis?.stop();
    if (tempDir) await rm(tempDir, { recursive: true, force: true });
  }, 30_000);

  it('passes the request id, tenant, priority and a deadline down to the upstream', async () => {
    await fetch(`${bare.url}/products/9`, { headers: { 'x-request-id': 'req-77', 'x-tenant': 'globex', 'x-priority': 'critical' } });
    const headers = replicaA.seen.at(-1) === '/products/9' ? replicaA.lastHeaders : replicaB.lastHeaders;
    expect(headers).toMatchObject({ 'x-request-id': 'req-77', 'x-tenant': 'globex', 'x-priority': 'critical' });
    expect(Number(headers['x-deadline'])).toBeGreaterThan(Date.now() - 1000);
  });

  it('rate-limits each tenant with one count in Redis shared by every gateway: 429 + Retry-After', async () => {
    await Promise.all([get(all, '/products/1', { 'x-tenant': 'warm-up' }), get(twin, '/products/1', { 'x-tenant': 'warm-up' })]); // loads the script
    await nextSecond();
    // 15 + 15 requests of one tenant through two gateways, against a limit of 20 per second
    const answers = await Promise.all([
      ...Array.from({ length: 15 }, () => get(all, '/products/1')),
      ...Array.from({ length: 15 }, () => get(twin, '/products/1')),
    ]);
    const other = await get(all, '/products/1', { 'x-tenant': 'globex' });
    // 20, not the 30 two gateways counting alone would let through (a burst may straddle a second)
    expect(answers.filter((a) => a.status === 200).length).toBeGreaterThanOrEqual(20);
    expect(answers.filter((a) => a.status === 200).length).toBeLessThanOrEqual(22);
    expect(answers.filter((a) => a.status === 429).length + answers.filter((a) => a.status === 200).length).toBe(30);
    expect(answers.find((a) => a.status === 429)?.retryAfter).toMatch(/^[1-9]\d*$/);
    expect(other.status).toBe(200); // another tenant has its own window
    const unlimited = await Promise.all(Array.from({ length: 30 }, () => get(bare, '/products/1')));
    expect(statuses(unlimited)).toEqual({ 200: 30 });
  });

  it('sheds background requests first when in flight nears the limit, 503 + Retry-After, and still admits critical', async () => {
    // eight slow requests from three tenants (no tenant over its bulkhead of five): 8 of 10 in flight
    const tenants = ['acme', 'globex', 'initech'];
    const occupying = Array.from({ length: 8 }, (_, i) => get(slowAll, '/products/1', { 'x-tenant': tenants[i % 3] as string }));
    const occupyingBare = Array.from({ length: 8 }, (_, i) => get(slowBare, '/products/1', { 'x-tenant': tenants[i % 3] as string }));
    await new Promise((r) => setTimeout(r, 100));
    const [background, critical, backgroundBare] = await Promise.all([
      get(slowAll, '/products/2', { 'x-tenant': 'globex', 'x-priority': 'background' }),
      get(slowAll, '/products/3', { 'x-tenant': 'initech', 'x-priority': 'critical' }),
      get(slowBare, '/products/2', { 'x-tenant': 'globex', 'x-priority': 'background' }),
    ]);
    expect(background).toMatchObject({ status: 503, retryAfter: '1' });
    expect(background.tookMs).toBeLessThan(100); // refused at once, not after the upstream's 300 ms
    expect(critical.status).toBe(200);
    expect(backgroundBare.status).toBe(200);
    expect(statuses(await Promise.all([...occupying, ...occupyingBare]))).toEqual({ 200: 16 });
    expect(metricValue(await (await fetch(`${slowAll.url}/metrics`)).text(), 'shed_total{priority="background"}')).toBe(1);
  });

  it('counts a request out of flight when its client gives up before the answer, so shedding does not stick', async () => {
    // clients that time out while the slow upstream still works: their answers go to closed sockets
    const gaveUp = Array.from({ length: 6 }, (_, i) =>
      fetch(`${slowAll.url}/products/${i + 1}`, { headers: { 'x-tenant': `quitter-${i}`, 'x-priority': 'critical' }, signal: AbortSignal.timeout(50) }).catch(
        () => 'aborted',
      ),
    );
    expect(await Promise.all(gaveUp)).toEqual(Array.from({ length: 6 }, () => 'aborted'));
    await new Promise((r) => setTimeout(r, 600)); // the upstream's 300 ms are over, the answers written
    expect(metricValue(await (await fetch(`${slowAll.url}/metrics`)).text(), 'gateway_in_flight')).toBe(0);
    expect((await get(slowAll, '/products/1', { 'x-tenant': 'globex', 'x-priority': 'background' })).status).toBe(200);
  });

  it('keeps a tenant inside its bulkhead: its sixth concurrent request is refused, another tenant is not', async () => {
    const acme = Array.from({ length: 7 }, () => get(slowAll, '/products/1', { 'x-priority': 'critical' }));
    await new Promise((r) => setTimeout(r, 50));
    const globex = await get(slowAll, '/products/1', { 'x-tenant': 'globex', 'x-priority': 'critical' });
    const acmeBare = await Promise.all(Array.from({ length: 7 }, () => get(slowBare, '/products/1', { 'x-priority': 'critical' })));
    expect(statuses(await Promise.all(acme))).toEqual({ 200: 5, 503: 2 });
    expect(globex.status).toBe(200);
    expect(statuses(acmeBare)).toEqual({ 200: 7 });
  });

  it('ejects a replica that passes its health checks but times out, after five failures in a row', async () => {
    const withEjection: Answer[] = [];
    for (let i = 0; i < 20; i++) withEjection.push(await get(ejecting, `/products/${i + 1}`, { 'x-tenant': 'ejection' }));
    expect(statuses(withEjection)).toEqual({ 200: 15, 504: 5 }); // it found out by failing, five times
    expect(withEjection.slice(10).every((a) => a.status === 200)).toBe(true);
    expect(metricValue(await (await fetch(`${ejecting.url}/metrics`)).text(), 'replica_ejections_total{upstream="catalog",replica="2"}')).toBe(1);
    const without = await Promise.all(Array.from({ length: 10 }, (_, i) => get(ejectingBare, `/products/${i + 1}`, { 'x-tenant': 'ejection' })));
    expect(statuses(without)).toEqual({ 200: 5, 504: 5 }); // round robin keeps feeding it
  });

  it('logs a request with the deadline it passed down (the hops that timed out on the black-hole replica)', async () => {
    const failedLines = (): { deadline?: string }[] =>
      ejectingBare
        .output()
        .split('\n')
        .filter((l) => l.includes('"msg":"upstream call failed"'))
        .map((l) => JSON.parse(l) as { deadline?: string });
    // the gateway's log is written asynchronously: the last hop's line may still be on its way
    const sent = blackhole.lastHeaders['x-deadline'];
    for (let waitedMs = 0; waitedMs < 3000 && !failedLines().some((l) => l.deadline === sent); waitedMs += 100) await new Promise((r) => setTimeout(r, 100));
    const failed = failedLines();
    expect(failed.length).toBeGreaterThanOrEqual(5);
    expect(failed.map((l) => l.deadline)).toContain(sent);
  });

  it('quarantines a payload that hung a replica twice: the third copy is refused fast and never reaches a replica', async () => {
    for (const r of [replicaA, replicaB]) r.hangOn = { marker: 'poison', ms: 1000 };
    const poison = '/search?q=poison:hang-7';
    const seen = (): number => [...replicaA.seen, ...replicaB.seen].filter((u) => u.includes('poison')).length;
    const pill = { 'x-tenant': 'poisoner' };
    const first = await get(all, poison, pill);
    expect(first.status).toBe(504);
    await new Promise((r) => setTimeout(r, 1100)); // the replica recovers
    const second = await get(all, poison, pill);
    expect(second.status).toBe(504);
    await new Promise((r) => setTimeout(r, 300)); // the liveness verdict on the second hang
    const third = await get(all, poison, pill);
    expect(third.status).toBe(422);
    expect(third.tookMs).toBeLessThan(100);
    expect(seen()).toBe(2);
    expect((await get(all, '/search?q=lamp', pill)).status).toBe(200); // other payloads pass
    await new Promise((r) => setTimeout(r, 1100));
    // without quarantine the pill keeps reaching replicas
    const again = await get(bare, poison, pill);
    expect(again.status).toBe(504);
    expect(seen()).toBe(3);
    await new Promise((r) => setTimeout(r, 1100));
    for (const r of [replicaA, replicaB]) r.hangOn = undefined;
  }, 15_000);

  it('answers recommendations from a static list, marked degraded, when the recommendations service is down', async () => {
    await recommendations.close();
    const answer = await get(all, '/recommendations', { 'x-tenant': 'recs' });
    expect(answer).toMatchObject({ status: 200, degraded: 'static-list' });
  });

  it('keeps answering and rate-limiting from memory with Redis stopped', async () => {
    await redis?.stop();
    await nextSecond();
    const answers = await Promise.all(Array.from({ length: 30 }, () => get(all, '/products/1')));
    expect(statuses(answers)).toEqual({ 200: 20, 429: 10 });
    const metrics = await (await fetch(`${all.url}/metrics`)).text();
    expect(metricValue(metrics, 'rate_limited_total{tenant="acme",source="memory"}')).toBeGreaterThanOrEqual(10);
    expect(metricValue(metrics, 'rate_limit_fallback_total')).toBeGreaterThan(0);
  });
});
