// A Redis client that never sits on the critical path: commands fail at once while it is
// disconnected (no offline queue, no per-request retries) or slow (commandTimeout), and it keeps
// reconnecting in the background. Callers treat every failure as "Redis is not there".

import { Redis } from 'ioredis';
import type { AttemptResult } from '../resilience/dependency.ts';

export const REDIS_COMMAND_TIMEOUT_MS = 50;

export interface RedisOptions {
  /** false: no command timeout (the timeout pattern is off) */
  timeoutsOn: boolean;
  commandTimeoutMs?: number;
  /** told about connection failures, at most once per `quietMs` (ioredis reports every reconnect) */
  onConnectionError?: (error: Error) => void;
  quietMs?: number;
}

export function createRedis(url: string, options: RedisOptions): Redis {
  const redis = new Redis(url, {
    ...(options.timeoutsOn ? { commandTimeout: options.commandTimeoutMs ?? REDIS_COMMAND_TIMEOUT_MS } : {}),
    connectTimeout: 500,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: (times) => Math.min(times * 100, 1000),
  });
  let lastReportMs = 0;
  redis.on('error', (error: Error) => {
    if (Date.now() - lastReportMs < (options.quietMs ?? 5000)) return;
    lastReportMs = Date.now();
    options.onConnectionError?.(error);
  });
  return redis;
}

export function redisResultOf(error: unknown): AttemptResult {
  return error instanceof Error && /timed out/i.test(error.message) ? 'timeout' : 'error';
}

/** quit() politely, but never wait more than `graceMs` for a Redis that does not answer. */
export async function closeRedis(redis: Redis, graceMs = 300): Promise<void> {
  await Promise.race([redis.quit().catch(() => undefined), new Promise((resolve) => setTimeout(resolve, graceMs).unref())]);
  redis.disconnect();
}
