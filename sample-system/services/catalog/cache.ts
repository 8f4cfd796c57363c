// The catalog's two uses of Redis.
// - The last-known-good copy of each answer. Primed with every product when the catalog starts
//   (so the fallback covers a product nobody happened to read before Postgres went bad), refreshed
//   after a good read from Postgres (fire-and-forget, at most once a second per key: a hot key
//   read 100 times a second needs one write, not a hundred), read only when Postgres fails.
// - Cache-aside for search results (`fresh`): looked up first, a copy younger than
//   FRESH_TTL_MS is served as is; on a miss the search runs on Postgres (misses of one key
//   coalesced by single flight) and its answer is put back. Product reads stay Postgres-first (see
//   docs/DESIGN-NOTES.md): their freshness is what the Postgres scenarios measure.
// Redis is never on the critical path (see shared/redis.ts): a lookup that fails or times out is a
// miss, and a failed write is only counted, never surfaced.

import type { AttemptResult } from '../../resilience/dependency.ts';
import { closeRedis, createRedis, redisResultOf } from '../../shared/redis.ts';

export const CACHE_TTL_SECONDS = 3600;
/** A copy younger than this is not written again. */
export const REFRESH_AFTER_MS = 1000;
/** How long a cache-aside copy is served without asking Postgres. */
export const FRESH_TTL_MS = 5000;
const FRESH_PREFIX = 'fresh:';

export type FreshLookup = 'hit' | 'miss' | 'error';

/** Cache-aside: a lookup that never throws (an unreachable Redis is a miss), and a put. */
export interface FreshCache {
  read<T>(key: string): Promise<{ lookup: FreshLookup; value?: T }>;
  write(key: string, value: unknown): void;
}
const MAX_TRACKED_KEYS = 10_000;

export interface LastKnownGood {
  read<T>(key: string): Promise<T | undefined>;
  write(key: string, value: unknown): void;
  /** writes many last-known-good copies in one round trip; resolves with how many were stored */
  prime(entries: ReadonlyArray<readonly [string, unknown]>): Promise<number>;
  fresh: FreshCache;
  close(): Promise<void>;
}

export interface CacheOptions {
  redisUrl: string;
  /** false: no command timeout (the timeout pattern is off) */
  timeoutsOn: boolean;
  nowMs?: () => number;
  onCall?: (op: 'get' | 'set', result: AttemptResult) => void;
  onConnectionError?: (error: Error) => void;
}

export function createLastKnownGood(options: CacheOptions): LastKnownGood {
  const redis = createRedis(options.redisUrl, {
    timeoutsOn: options.timeoutsOn,
    ...(options.onConnectionError ? { onConnectionError: options.onConnectionError } : {}),
  });
  const onCall = options.onCall ?? (() => undefined);
  const nowMs = options.nowMs ?? Date.now;
  const writtenAtMs = new Map<string, number>();

  /** A JSON value from Redis (undefined when absent), each call counted; a failure is counted and thrown. */
  const getJson = async <T>(key: string): Promise<T | undefined> => {
    try {
      const json = await redis.get(key);
      onCall('get', 'ok');
      return json === null ? undefined : (JSON.parse(json) as T);
    } catch (error) {
      onCall('get', redisResultOf(error));
      throw error;
    }
  };
  /** Stores a JSON value for `ttlMs`, the call counted; a failure is counted and rejects. */
  const setJson = (key: string, value: unknown, ttlMs: number): Promise<void> =>
    redis.set(key, JSON.stringify(value), 'PX', ttlMs).then(
      () => onCall('set', 'ok'),
      (error: unknown) => {
        onCall('set', redisResultOf(error));
        throw error;
      },
    );

  return {
    read: getJson,
    write(key, value) {
      const now = nowMs();
      if (now - (writtenAtMs.get(key) ?? -Infinity) < REFRESH_AFTER_MS) return;
      if (writtenAtMs.size >= MAX_TRACKED_KEYS) writtenAtMs.clear();
      writtenAtMs.set(key, now);
      setJson(key, value, CACHE_TTL_SECONDS * 1000).catch(() => writtenAtMs.delete(key)); // not written: the next good read tries again
    },
    async prime(entries) {
      const pipeline = redis.pipeline();
      for (const [key, value] of entries) pipeline.set(key, JSON.stringify(value), 'EX', CACHE_TTL_SECONDS);
      const results = (await pipeline.exec()) ?? [];
      const now = nowMs();
      let stored = 0;
      results.forEach(([error], i) => {
        if (error !== null) return;
        stored++;
        const entry = entries[i];
        if (entry !== undefined && writtenAtMs.size < MAX_TRACKED_KEYS) writtenAtMs.set(entry[0], now);
      });
      return stored;
    },
    fresh: {
      async read<T>(key: string): Promise<{ lookup: FreshLookup; value?: T }> {
        try {
          const value = await getJson<T>(FRESH_PREFIX + key);
          return value === undefined ? { lookup: 'miss' } : { lookup: 'hit', value };
        } catch {
          return { lookup: 'error' };
        }
      },
      write(key, value) {
        setJson(FRESH_PREFIX + key, value, FRESH_TTL_MS).catch(() => undefined); // counted; a miss next time
      },
    },
    close: () => closeRedis(redis),
  };
}
