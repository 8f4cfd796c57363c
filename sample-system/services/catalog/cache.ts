// The last-known-good copy of each answer, in Redis. Written after every good read from
// Postgres (fire-and-forget), read only when Postgres fails. Redis is never on the critical path
// (see shared/redis.ts), and a failed write is only counted, never surfaced.

import type { AttemptResult } from '../../resilience/dependency.ts';
import { closeRedis, createRedis, redisResultOf } from '../../shared/redis.ts';

export const CACHE_TTL_SECONDS = 3600;

export interface LastKnownGood {
  read<T>(key: string): Promise<T | undefined>;
  write(key: string, value: unknown): void;
  close(): Promise<void>;
}

export interface CacheOptions {
  redisUrl: string;
  /** false: no command timeout (the timeout pattern is off) */
  timeoutsOn: boolean;
  onCall?: (op: 'get' | 'set', result: AttemptResult) => void;
  onConnectionError?: (error: Error) => void;
}

export function createLastKnownGood(options: CacheOptions): LastKnownGood {
  const redis = createRedis(options.redisUrl, { timeoutsOn: options.timeoutsOn, ...(options.onConnectionError ? { onConnectionError: options.onConnectionError } : {}) });
  const onCall = options.onCall ?? (() => undefined);

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
      redis.set(key, JSON.stringify(value), 'EX', CACHE_TTL_SECONDS).then(
        () => onCall('set', 'ok'),
        (error: unknown) => onCall('set', redisResultOf(error)),
      );
    },
    close: () => closeRedis(redis),
  };
}
