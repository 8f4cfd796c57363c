// Retry, retry budget and circuit breaker on the orders service's calls to the payments provider,
// against real Postgres and Redis. Each orders service has a payments provider of its own (same
// seed, so the same sequence of simulated failures), made flaky or failing through its
// /admin/behaviour. Each test shows one behaviour only its pattern produces, beside a twin that
// differs from it by that one pattern. The retry budget's twins both run without the breaker,
// which would otherwise stop a failing dependency's retries before the budget does.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PAYMENTS_LIMITS } from '../../sample-system/services/orders/app.ts';
import { missingInfra, type Started, startPostgresAndRedis } from './support/infra.ts';
import { scrape } from './support/metrics.ts';
import { type RunningService, startService } from './support/services.ts';

const skipReason = missingInfra();
let keyCounter = 0;
const freshKey = (): string => `patterns-${process.pid}-${Date.now()}-${++keyCounter}`;

interface Answer {
  status: number;
  error: string | undefined;
  tookMs: number;
}

/** An orders service and the payments provider only it calls. */
interface Pair {
  orders: RunningService;
  payments: RunningService;
}

const PAYMENTS_SERIES = {
  attempts: 'dependency_calls_total{dependency="payments",result="error"}',
  retries: 'dependency_retries_total{dependency="payments"}',
  refused: 'retry_budget_exhausted_total{dependency="payments"}',
  breakerState: 'breaker_state{dependency="payments"}',
};

async function order(pair: Pair): Promise<Answer> {
  const t0 = performance.now();
  const res = await fetch(`${pair.orders.url}/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-tenant': 'acme', 'idempotency-key': freshKey() },
    body: JSON.stringify({ productId: 5, quantity: 1 }),
    signal: AbortSignal.timeout(10_000),
  });
  const body = (await res.json()) as { error?: string };
  return { status: res.status, error: body.error, tookMs: performance.now() - t0 };
}

/** `n` orders one after another, as a steady client places them. */
async function inSequence(pair: Pair, n: number): Promise<Answer[]> {
  const answers: Answer[] = [];
  for (let i = 0; i < n; i++) answers.push(await order(pair));
  return answers;
}

async function behave(pair: Pair, behaviour: { latencyMs?: number; failureRate?: number }): Promise<void> {
  const res = await fetch(`${pair.payments.url}/admin/behaviour`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(behaviour),
  });
  expect(res.status).toBe(200);
}

const providerRequests = async (pair: Pair): Promise<number> =>
  ((await (await fetch(`${pair.payments.url}/admin/stats`)).json()) as { requests: number }).requests;
const count = (answers: readonly Answer[], status: number): number => answers.filter((a) => a.status === status).length;
const median = (values: readonly number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

describe.skipIf(skipReason !== undefined)(`retry, retry budget and breaker on real Postgres and Redis${skipReason ? ` — skipped: ${skipReason}` : ''}`, () => {
  let tempDir = '';
  let postgres: Started | undefined;
  let redis: Started | undefined;
  const services: RunningService[] = [];
  let all: Pair; // every pattern on
  let noRetry: Pair;
  let noBreaker: Pair;
  let noBreakerNoBudget: Pair;

  beforeAll(async () => {
    tempDir = await mkdtemp(join(tmpdir(), 'faultline-payments-patterns-'));
    const infra = await startPostgresAndRedis(tempDir, (started) => ({ postgres, redis } = started));
    const startPair = async (disabled: string, label: string): Promise<Pair> => {
      const payments = await startService('payments', { PAYMENTS_LATENCY_MS: '0', PAYMENTS_SEED: '7' }, `payments for orders (${label})`);
      services.push(payments);
      const orders = await startService(
        'orders',
        { DATABASE_URL: infra.postgres.url, REDIS_URL: infra.redis.url, PAYMENTS_URL: payments.url, RESILIENCE_DISABLE: disabled },
        `orders (${label})`,
      );
      services.push(orders);
      return { orders, payments };
    };
    // one at a time: the orders services migrate one database, and the first does it alone
    all = await startPair('', 'all patterns');
    [noRetry, noBreaker, noBreakerNoBudget] = await Promise.all([
      startPair('retry', 'retry off'),
      startPair('breaker', 'breaker off'),
      startPair('breaker,retry-budget', 'breaker and retry-budget off'),
    ]);
  }, 60_000);

  afterAll(async () => {
    await Promise.all(services.map((s) => s.stop()));
    await Promise.all([redis?.stop(), postgres?.stop()]);
    if (tempDir) await rm(tempDir, { recursive: true, force: true });
  }, 30_000);

  it('retries a provider failing 30% of charges: clearly more orders placed than with only retry off', async () => {
    await Promise.all([behave(all, { failureRate: 0.3 }), behave(noRetry, { failureRate: 0.3 })]);
    const [withRetry, withoutRetry] = await Promise.all([inSequence(all, 30), inSequence(noRetry, 30)]);
    const report = `retry on: ${count(withRetry, 201)} placed; retry off: ${count(withoutRetry, 201)} placed (of 30 each)`;
    console.info(report);
    // one try fails 30% of the time; three tries (as the budget allows) about 3%
    expect(count(withRetry, 201), report).toBeGreaterThanOrEqual(count(withoutRetry, 201) + 4);
    expect(count(withoutRetry, 201), report).toBeLessThan(30);
    expect((await scrape(all.orders.url, PAYMENTS_SERIES)).retries, report).toBeGreaterThan(0);
    expect((await scrape(noRetry.orders.url, PAYMENTS_SERIES)).retries, report).toBe(0);
    expect(await providerRequests(noRetry), report).toBe(30); // one try per order
  });

  it('opens the breaker on a failing provider: later orders are refused fast without calling it; with only breaker off every order pays the attempt', async () => {
    const latencyMs = 100; // the provider takes this long to fail (three tries fit the 500 ms budget)
    await Promise.all([behave(all, { failureRate: 1, latencyMs }), behave(noBreaker, { failureRate: 1, latencyMs })]);
    const before = await Promise.all([providerRequests(all), providerRequests(noBreaker)]);
    const inARow = PAYMENTS_LIMITS.breaker.consecutiveFailures;
    const withBreaker = await inSequence(all, 2 * inARow);
    const withoutBreaker = await Promise.all(Array.from({ length: 12 }, () => order(noBreaker)));
    const called = [(await providerRequests(all)) - before[0], (await providerRequests(noBreaker)) - before[1]];
    const report = `breaker on: ${JSON.stringify(withBreaker)}, provider called ${called[0]} times\nbreaker off: ${JSON.stringify(withoutBreaker)}, provider called ${called[1]} times`;
    console.info(
      `breaker on: ${count(withBreaker, 503)} of ${2 * inARow} refused, provider called ${called[0]} times; breaker off: provider called ${called[1]} times, slowest ${Math.max(...withoutBreaker.map((a) => a.tookMs)).toFixed(0)} ms`,
    );

    // ten failed attempts in a row open it (four to ten orders' worth, as the retry budget allows); a probe may follow after 2 s
    const refused = withBreaker.filter((a) => a.status === 503 && a.error === 'dependency_unavailable');
    expect(refused.length, report).toBeGreaterThanOrEqual(inARow);
    expect(called[0], report).toBeLessThanOrEqual(inARow + 1);
    expect(median(refused.map((a) => a.tookMs)), report).toBeLessThan(latencyMs);
    expect((await scrape(all.orders.url, PAYMENTS_SERIES)).breakerState, report).toBe(2); // open

    // each failed at the provider (502), or ran out of time trying (504): never refused before trying
    expect(
      withoutBreaker.every((a) => (a.status === 502 || a.status === 504) && a.tookMs >= latencyMs),
      report,
    ).toBe(true);
    expect(called[1], report).toBeGreaterThanOrEqual(12);
    expect((await scrape(noBreaker.orders.url, PAYMENTS_SERIES)).breakerState, report).toBe(0);
  });

  it('keeps retries of an always-failing provider within the budget (10 + 10% of calls + 1/s); with only the budget off every call is retried twice', async () => {
    const orders = 40;
    await Promise.all([behave(noBreaker, { failureRate: 1, latencyMs: 0 }), behave(noBreakerNoBudget, { failureRate: 1, latencyMs: 0 })]);
    const before = await Promise.all([scrape(noBreaker.orders.url, PAYMENTS_SERIES), scrape(noBreakerNoBudget.orders.url, PAYMENTS_SERIES)]);
    const t0 = performance.now();
    const [withBudget, withoutBudget] = await Promise.all([inSequence(noBreaker, orders), inSequence(noBreakerNoBudget, orders)]);
    const elapsedS = (performance.now() - t0) / 1000;
    const after = await Promise.all([scrape(noBreaker.orders.url, PAYMENTS_SERIES), scrape(noBreakerNoBudget.orders.url, PAYMENTS_SERIES)]);
    const retries: [number, number] = [after[0].retries - before[0].retries, after[1].retries - before[1].retries];
    const report = `${orders} orders in ${elapsedS.toFixed(1)} s; retries with the budget ${retries[0]} (${after[0].refused - before[0].refused} refused), without ${retries[1]}`;
    console.info(report);

    expect(count(withBudget, 502) + count(withoutBudget, 502), report).toBe(2 * orders); // nothing can succeed
    // the bucket holds at most 10 tokens, gains 0.1 per call and 1 per second
    expect(retries[0], report).toBeLessThanOrEqual(Math.floor(10 + 0.1 * orders + Math.ceil(elapsedS)));
    // each order whose retries the budget cut short counts one refusal
    expect(after[0].refused - before[0].refused, report).toBeGreaterThanOrEqual(orders - retries[0]);
    expect(retries[1], report).toBe(2 * orders);
    expect(after[1].refused - before[1].refused, report).toBe(0);
  });
});
