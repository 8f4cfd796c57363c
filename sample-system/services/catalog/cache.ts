// The last-known-good copy of each answer, in Redis. Written after every good read from
// Postgres (fire-and-forget), read only when Postgres fails. Redis is never on the critical path:
// commands fail fast when it is disconnected (no offline queue) or slow (commandTimeout), and a
// failed write is only counted, never surfaced.

import { Redis } from 'ioredis';
import type { AttemptResult } from '../../resilience/dependency.ts';

export const CACHE_TTL_SECONDS = 3600;
export const REDIS_COMMAND_TIMEOUT_MS = 50;

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

function resultOf(error: unknown): AttemptResult {
  return error instanceof Error && /timed out/i.test(error.message) ? 'timeout' : 'error';
}

export function createLastKnownGood(options: CacheOptions): LastKnownGood {
  const redis = new Redis(options.redisUrl, {
    ...(options.timeoutsOn ? { commandTimeout: REDIS_COMMAND_TIMEOUT_MS } : {}),
    connectTimeout: 500,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: (times) => Math.min(times * 100, 1000),
  });
  redis.on('error', (error: Error) => options.onConnectionError?.(error));
  const onCall = options.onCall ?? (() => undefined);

  return {
    async read<T>(key: string): Promise<T | undefined> {
      try {
        const json = await redis.get(key);
        onCall('get', 'ok');
        return json === null ? undefined : (JSON.parse(json) as T);
      } catch (error) {
        onCall('get', resultOf(error));
        throw error;
      }
    },
    write(key, value) {
      redis.set(key, JSON.stringify(value), 'EX', CACHE_TTL_SECONDS).then(
        () => onCall('set', 'ok'),
        (error: unknown) => onCall('set', resultOf(error)),
      );
    },
    async close() {
      await Promise.race([redis.quit().catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 300).unref())]);
      redis.disconnect();
    },
  };
}
