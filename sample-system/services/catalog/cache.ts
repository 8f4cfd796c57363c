// The last-known-good copy of each answer, in Redis. Refreshed after a good read from Postgres
// (fire-and-forget, at most once a second per key: a hot key read 100 times a second needs one
// write, not a hundred), read only when Postgres fails. Redis is never on the critical path
// (see shared/redis.ts), and a failed write is only counted, never surfaced.

import type { AttemptResult } from '../../resilience/dependency.ts';
import { closeRedis, createRedis, redisResultOf } from '../../shared/redis.ts';

export const CACHE_TTL_SECONDS = 3600;
/** A copy younger than this is not written again. */
export const REFRESH_AFTER_MS = 1000;
const MAX_TRACKED_KEYS = 10_000;

export interface LastKnownGood {
  read<T>(key: string): Promise<T | undefined>;
  write(key: string, value: unknown): void;
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
  const redis = createRedis(options.redisUrl, { timeoutsOn: options.timeoutsOn, ...(options.onConnectionError ? { onConnectionError: options.onConnectionError } : {}) });
  const onCall = options.onCall ?? (() => undefined);
  const nowMs = options.nowMs ?? Date.now;
  const writtenAtMs = new Map<string, number>();

  return {
    async read<T>(key: string): Promise<T | undefined> {
      try {
        const json = await redis.get(key);
        onCall('get', 'ok');
        return json === null ? undefined : (JSON.parse(json) as T);
      } catch (error) {
        onCall('get', redisResultOf(error));
        throw error;
      }
    },
    write(key, value) {
      const now = nowMs();
      if (now - (writtenAtMs.get(key) ?? -Infinity) < REFRESH_AFTER_MS) return;
      if (writtenAtMs.size >= MAX_TRACKED_KEYS) writtenAtMs.clear();
      writtenAtMs.set(key, now);
      redis.set(key, JSON.stringify(value), 'EX', CACHE_TTL_SECONDS).then(
        () => onCall('set', 'ok'),
        (error: unknown) => {
          writtenAtMs.delete(key); // not written: the next good read tries again
          onCall('set', redisResultOf(error));
        },
      );
    },
    close: () => closeRedis(redis),
  };
}
