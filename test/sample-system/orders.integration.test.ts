// Orders, payments and recommendations on real Postgres and Redis: the idempotency key is what
// makes a retried POST /orders return the first order, and a charge whose answer was lost safe to
// repeat. Two orders services share the infrastructure: one with every pattern on, one without the
// idempotency pattern, which is the only difference between "one order" and "two orders".
// Recommendations rank what orders counted in Redis, and fall back to a static list without it.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missingInfra, type Started, startPostgresAndRedis } from './support/infra.ts';
import { type RunningService, startService } from './support/services.ts';

const skipReason = missingInfra();
let keyCounter = 0;
const freshKey = (): string => `test-${process.pid}-${Date.now()}-${++keyCounter}`;

describe.skipIf(skipReason !== undefined)(`orders and payments on real Postgres and Redis${skipReason ? ` — skipped: ${skipReason}` : ''}`, () => {
  let tempDir = '';
  let postgres: Started | undefined;
  let redis: Started | undefined;
  let db: pg.Pool;
  const services: RunningService[] = [];
  let payments: RunningService;
  let orders: RunningService;
  let ordersWithoutIdempotency: RunningService;
  let recommendations: RunningService;
  let recommendationsWithoutFallback: RunningService;

  const start = async (...args: Parameters<typeof startService>): Promise<RunningService> => {
    const s = await startService(...args);
    services.push(s);
    return s;
  };
  const post = (base: RunningService, key: string | undefined, body: unknown, tenant = 'acme'): Promise<Response> =>
    fetch(`${base.url}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-tenant': tenant, ...(key === undefined ? {} : { 'idempotency-key': key }) },
      body: JSON.stringify(body),
    });
  const behave = async (behaviour: Record<string, number>): Promise<void> => {
    const res = await fetch(`${payments.url}/admin/behaviour`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(behaviour),
    });
    expect(res.status).toBe(200);
  };
  const paymentStats = async (): Promise<{ charged: number; replayed: number }> =>
    (await (await fetch(`${payments.url}/admin/stats`)).json()) as { charged: number; replayed: number };
  const rowsFor = async (key: string): Promise<{ id: string; status: string }[]> =>
    (await db.query<{ id: string; status: string }>('SELECT id, status FROM orders WHERE idempotency_key = $1 ORDER BY id', [key])).rows;

  beforeAll(async () => {
    tempDir = await mkdtemp(join(tmpdir(), 'faultline-orders-'));
    const infra = await startPostgresAndRedis(tempDir, (started) => ({ postgres, redis } = started));
    db = new pg.Pool({ connectionString: infra.postgres.url, max: 2 });
    // Postgres stopping at the end may still tell a client that is ending "terminating connection":
    // not a failure of any test, and with no listener it would be an uncaught error
    db.on('connect', (client) => client.on('error', () => undefined));
    db.on('error', () => undefined);
    payments = await start('payments', { PAYMENTS_LATENCY_MS: '0', PAYMENTS_SEED: '7' });
    const env = { DATABASE_URL: infra.postgres.url, REDIS_URL: infra.redis.url, PAYMENTS_URL: payments.url };
    [orders, ordersWithoutIdempotency, recommendations, recommendationsWithoutFallback] = await Promise.all([
      start('orders', env, 'orders (all patterns)'),
      start('orders', { ...env, RESILIENCE_DISABLE: 'idempotency' }, 'orders (idempotency off)'),
      start('recommendations', { REDIS_URL: infra.redis.url }, 'recommendations (all patterns)'),
      start('recommendations', { REDIS_URL: infra.redis.url, RESILIENCE_DISABLE: 'fallback' }, 'recommendations (fallback off)'),
    ]);
  }, 60_000);

  afterAll(async () => {
    await Promise.all(services.map((s) => s.stop()));
    await db?.end();
    await Promise.all([redis?.stop(), postgres?.stop()]);
    if (tempDir) await rm(tempDir, { recursive: true, force: true });
  }, 30_000);

  it('places an order: 201, a Location, the price from the catalogue, and GET /orders/:id reads it back', async () => {
    const res = await post(orders, freshKey(), { productId: 7, quantity: 2 });
    expect(res.status).toBe(201);
    const order = (await res.json()) as { id: number; status: string; amountCents: number; paymentId: string; tenant: string };
    expect(res.headers.get('location')).toBe(`/orders/${order.id}`);
    expect(order).toMatchObject({ status: 'confirmed', tenant: 'acme', paymentId: expect.stringMatching(/^pay_/) });
    const { rows } = await db.query<{ price_cents: number }>('SELECT price_cents FROM products WHERE id = 7');
    expect(order.amountCents).toBe(2 * (rows[0]?.price_cents ?? NaN));
    const read = await fetch(`${orders.url}/orders/${order.id}`);
    expect(read.status).toBe(200);
    expect(await read.json()).toEqual(order);
    expect((await fetch(`${orders.url}/orders/999999999`)).status).toBe(404);
  });

  it('refuses what it cannot place: no key 400, bad body 400, unknown product 404, a reused key for another order 422', async () => {
    expect((await post(orders, undefined, { productId: 1, quantity: 1 })).status).toBe(400);
    expect((await post(orders, freshKey(), { productId: 1, quantity: 0 })).status).toBe(400);
    expect((await post(orders, freshKey(), { productId: 5000, quantity: 1 })).status).toBe(404);
    const key = freshKey();
    expect((await post(orders, key, { productId: 3, quantity: 1 })).status).toBe(201);
    const reused = await post(orders, key, { productId: 4, quantity: 1 });
    expect(reused.status).toBe(422);
    expect(await reused.json()).toMatchObject({ error: 'idempotency_key_reused' });
  });

  it('answers a repeated key with the first order, from Postgres when Redis has not got it', async () => {
    const key = freshKey();
    const before = await paymentStats();
    const first = (await (await post(orders, key, { productId: 9, quantity: 1 })).json()) as { id: number };
    const again = await Promise.all([1, 2, 3].map(() => post(orders, key, { productId: 9, quantity: 1 })));
    for (const res of again) {
      expect(res.status).toBe(200);
      expect(res.headers.get('idempotent-replayed')).toBe('true');
      expect(((await res.json()) as { id: number }).id).toBe(first.id);
    }
    expect(await rowsFor(key)).toEqual([{ id: String(first.id), status: 'confirmed' }]);
    expect((await paymentStats()).charged - before.charged).toBe(1);
  });

  it('with the idempotency pattern: a charge whose answer was lost is retried with the same key, so one order and one charge', async () => {
    const key = freshKey();
    const before = await paymentStats();
    await behave({ latencyMs: 400 }); // charged at once, answered after every attempt timed out
    expect((await post(orders, key, { productId: 11, quantity: 1 })).status).toBe(504);
    await behave({ latencyMs: 0 });
    const retried = await post(orders, key, { productId: 11, quantity: 1 });
    expect(retried.status).toBe(200); // it resumed the pending order, it did not make one
    expect(await rowsFor(key)).toHaveLength(1);
    expect((await paymentStats()).charged - before.charged).toBe(1);
  });

  it('without the idempotency pattern: the same client retry makes a second order and a second charge', async () => {
    const key = freshKey();
    const before = await paymentStats();
    await behave({ latencyMs: 400 });
    expect((await post(ordersWithoutIdempotency, key, { productId: 11, quantity: 1 })).status).toBe(504);
    await behave({ latencyMs: 0 });
    expect((await post(ordersWithoutIdempotency, key, { productId: 11, quantity: 1 })).status).toBe(201);
    expect(await rowsFor(key)).toHaveLength(2);
    expect((await paymentStats()).charged - before.charged).toBe(2);
  });

  it('recommends what was bought most, as counted by orders in Redis', async () => {
    for (let i = 0; i < 3; i++) expect((await post(orders, freshKey(), { productId: 977, quantity: 50 })).status).toBe(201);
    const res = await fetch(`${recommendations.url}/recommendations?limit=3`);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-degraded')).toBeNull();
    expect(await res.json()).toMatchObject({ productIds: [977, expect.any(Number), expect.any(Number)], source: 'popular' });
  });

  it('keeps answering repeated keys from Postgres while Redis is down (Redis stays down after this)', async () => {
    const key = freshKey();
    const first = (await (await post(orders, key, { productId: 12, quantity: 1 })).json()) as { id: number };
    await redis?.stop();
    const again = await post(orders, key, { productId: 12, quantity: 1 });
    expect(again.status).toBe(200);
    expect(((await again.json()) as { id: number }).id).toBe(first.id);
    expect((await post(orders, freshKey(), { productId: 12, quantity: 1 })).status).toBe(201);
  });

  it('answers recommendations from the static list, marked x-degraded, while Redis is down; 503 without the fallback', async () => {
    const res = await fetch(`${recommendations.url}/recommendations?limit=3`);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-degraded')).toBe('static-list');
    expect(await res.json()).toEqual({ productIds: [1, 2, 3], source: 'static' });
    expect((await fetch(`${recommendationsWithoutFallback.url}/recommendations`)).status).toBe(503);
  });

  it('retries a flaky provider with the key: every acknowledged order is in Postgres once, charged once', async () => {
    await behave({ latencyMs: 0, failureRate: 0.3 });
    const keys = Array.from({ length: 40 }, () => freshKey());
    const before = await paymentStats();
    const answers: { key: string; status: number }[] = [];
    for (
      let i = 0;
      i < keys.length;
      i += 8 // eight at a time, as a steady client would
    )
      answers.push(
        ...(await Promise.all(keys.slice(i, i + 8).map(async (key) => ({ key, status: (await post(orders, key, { productId: 20, quantity: 1 })).status })))),
      );
    await behave({ failureRate: 0 });
    const acknowledged = answers.filter((a) => a.status >= 200 && a.status < 300).map((a) => a.key);
    // 30% failures, two retries inside a 10% budget: most orders get through (unless five
    // failures in a row open the breaker for a while, which is allowed)
    expect(acknowledged.length).toBeGreaterThan(10);
    const { rows } = await db.query<{ idempotency_key: string; n: string; confirmed: string }>(
      `SELECT idempotency_key, count(*) AS n, count(*) FILTER (WHERE status = 'confirmed') AS confirmed FROM orders WHERE idempotency_key = ANY($1) GROUP BY 1`,
      [acknowledged],
    );
    expect(rows).toHaveLength(acknowledged.length);
    for (const row of rows) expect(row, row.idempotency_key).toMatchObject({ n: '1', confirmed: '1' });
    expect((await paymentStats()).charged - before.charged).toBe(acknowledged.length);
  });
});
