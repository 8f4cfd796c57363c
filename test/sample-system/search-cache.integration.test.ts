// Cache-aside for the catalog's search, on real Postgres and Redis: a result is looked up in Redis
// first and served from there while fresh (x-cache: hit), even when Postgres has changed since;
// a miss reads Postgres and puts the answer back; an unreachable Redis is a miss, never an error.
// And the product reads' last-known-good copy is primed at start, so the fallback covers products
// nobody has read yet.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FRESH_TTL_MS } from '../../sample-system/services/catalog/cache.ts';
import { missingInfra, type Started, startPostgresAndRedis } from './support/infra.ts';
import { type RunningService, startService } from './support/services.ts';

const skipReason = missingInfra();

interface SearchAnswer {
  status: number;
  cache: string | null;
  names: string[];
}

describe.skipIf(skipReason !== undefined)(`search is cache-aside in Redis${skipReason ? ` — skipped: ${skipReason}` : ''}`, () => {
  let tempDir = '';
  let postgres: Started | undefined;
  let redis: Started | undefined;
  let catalog: RunningService | undefined;
  let db: pg.Client | undefined;

  const search = async (q: string): Promise<SearchAnswer> => {
    const response = await fetch(`${catalog!.url}/search?q=${encodeURIComponent(q)}&limit=3`);
    const body = (await response.json()) as { products?: { name: string }[] };
    return { status: response.status, cache: response.headers.get('x-cache'), names: (body.products ?? []).map((p) => p.name) };
  };
  const lookups = async (result: 'hit' | 'miss' | 'error'): Promise<number> => {
    const text = await (await fetch(`${catalog!.url}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(`cache_lookups_total{result="${result}"} `));
    return line === undefined ? 0 : Number(line.split(' ')[1]);
  };

  beforeAll(async () => {
    tempDir = await mkdtemp(join(tmpdir(), 'faultline-search-cache-'));
    const infra = await startPostgresAndRedis(tempDir, (started) => ({ postgres, redis } = started));
    catalog = await startService('catalog', { DATABASE_URL: infra.postgres.url, REDIS_URL: infra.redis.url, REPLICA_ID: 'catalog-1' });
    db = new pg.Client({ connectionString: infra.postgres.url });
    await db.connect();
  }, 60_000);

  afterAll(async () => {
    await db?.end();
    await catalog?.stop();
    await Promise.all([redis?.stop(), postgres?.stop()]);
    if (tempDir) await rm(tempDir, { recursive: true, force: true });
  }, 30_000);

  it('primes a last-known-good copy of every product in Redis before it is ready', async () => {
    const client = new Redis(redis!.url);
    try {
      const keys = await client.keys('product:*');
      expect(keys.length).toBe(1000);
      const { rows } = await db!.query('SELECT id, name, price_cents, stock, description FROM products WHERE id = 777');
      expect(JSON.parse((await client.get('product:777')) ?? 'null')).toEqual(rows[0]);
    } finally {
      client.disconnect();
    }
    expect(catalog!.output()).toMatch(/fallback primed/);
  });

  it('serves a repeated search from Redis while fresh, even after Postgres changed, and from Postgres once the copy is gone', async () => {
    const first = await search('lamp');
    expect(first).toMatchObject({ status: 200, cache: 'miss' });
    expect(first.names.length).toBeGreaterThan(0);
    const original = first.names[0]!;

    // the source of truth changes; a cache-aside reader keeps serving its fresh copy
    await db!.query(`UPDATE products SET name = 'Renamed ' || name WHERE name = $1`, [original]);
    const hitsBefore = await lookups('hit');
    const second = await search('lamp');
    expect(second).toMatchObject({ status: 200, cache: 'hit' });
    expect(second.names[0]).toBe(original);
    expect(await lookups('hit')).toBe(hitsBefore + 1);

    // the copy expires after FRESH_TTL_MS in Redis; dropping it now shows what a miss reads
    const client = new Redis(redis!.url);
    try {
      expect(await client.pttl(`fresh:search:3:lamp`)).toBeLessThanOrEqual(FRESH_TTL_MS);
      await client.del('fresh:search:3:lamp');
    } finally {
      client.disconnect();
    }
    const third = await search('lamp');
    expect(third).toMatchObject({ status: 200, cache: 'miss' });
    expect(third.names).toContain(`Renamed ${original}`);
  });

  it('answers searches from Postgres when Redis is down, counting the failed lookups as misses', async () => {
    await redis!.stop();
    const errorsBefore = await lookups('error');
    const answer = await search('chair');
    expect(answer.status).toBe(200);
    expect(answer.cache).toBe('miss');
    expect(answer.names.length).toBeGreaterThan(0);
    expect(await lookups('error')).toBeGreaterThan(errorsBefore);
  });
});
