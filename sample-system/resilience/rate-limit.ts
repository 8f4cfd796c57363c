// Per-tenant rate limiting with a sliding window counter (Cloudflare's approximation of a sliding
// log): the count of the current fixed window plus the previous window's count weighted by how
// much of it still overlaps the sliding window. O(1) memory per tenant, no burst at window edges.
//
// The shared count lives in Redis (one atomic script per request, so every gateway sees the same
// numbers); every request is also counted in memory, and when Redis fails or is slow the memory
// count decides, so a Redis outage never takes the edge down and never turns the limit off.
// Refused requests are not counted. Clocks are injected.

import type { Redis } from 'ioredis';

export interface RateLimitOptions {
  /** requests allowed per window, per key */
  limit: number;
  windowMs: number;
  nowMs?: () => number;
}

export interface RateLimitDecision {
  allowed: boolean;
  /** the sliding-window count this decision saw, before counting this request */
  count: number;
  limit: number;
  /** when a refused request may expect to get through (for Retry-After) */
  retryAfterMs: number;
  source: 'redis' | 'memory';
}

export interface RateLimiter {
  consume(key: string): Promise<RateLimitDecision>;
}

/** The sliding-window count at `elapsedMs` into the current window. */
export function slidingWindowCount(previous: number, current: number, elapsedMs: number, windowMs: number): number {
  return previous * Math.max(0, 1 - elapsedMs / windowMs) + current;
}

/** How long until one more request fits, given the counts a refusal saw. */
export function retryAfterMs(previous: number, current: number, elapsedMs: number, windowMs: number, limit: number): number {
  if (current + 1 > limit) {
    // not in this window: in the next, once enough of this one has slid out
    const intoNext = current === 0 ? 0 : windowMs * Math.max(0, 1 - (limit - 1) / current);
    return Math.ceil(windowMs - elapsedMs + intoNext);
  }
  if (previous === 0) return 0;
  return Math.max(0, Math.ceil(windowMs * (1 - (limit - current - 1) / previous) - elapsedMs));
}

function decide(previous: number, current: number, elapsedMs: number, options: RateLimitOptions, source: RateLimitDecision['source']): RateLimitDecision {
  const count = slidingWindowCount(previous, current, elapsedMs, options.windowMs);
  const allowed = count + 1 <= options.limit;
  return {
    allowed,
    count,
    limit: options.limit,
    retryAfterMs: allowed ? 0 : retryAfterMs(previous, current, elapsedMs, options.windowMs, options.limit),
    source,
  };
}

export interface MemoryRateLimiter extends RateLimiter {
  /** synchronous consume: the in-memory limiter never waits */
  consumeNow(key: string): RateLimitDecision;
  /** keys counted in the current or previous window */
  size(): number;
}

export function createMemoryRateLimiter(options: RateLimitOptions): MemoryRateLimiter {
  const nowMs = options.nowMs ?? Date.now;
  // key -> [window index, count in that window, count in the window before]
  const counts = new Map<string, [number, number, number]>();
  let sweptWindow = 0;
  const consumeNow = (key: string): RateLimitDecision => {
    const now = nowMs();
    const window = Math.floor(now / options.windowMs);
    if (window > sweptWindow + 1) {
      // forget keys not seen for two windows, so unknown tenants cannot grow the map for ever
      for (const [k, [w]] of counts) if (w < window - 1) counts.delete(k);
      sweptWindow = window;
    }
    const entry = counts.get(key);
    let current = 0;
    let previous = 0;
    if (entry !== undefined) {
      if (entry[0] === window) [, current, previous] = entry;
      else if (entry[0] === window - 1) previous = entry[1];
    }
    const decision = decide(previous, current, now - window * options.windowMs, options, 'memory');
    counts.set(key, [window, decision.allowed ? current + 1 : current, previous]);
    return decision;
  };
  return { consumeNow, consume: async (key) => consumeNow(key), size: () => counts.size };
}

// KEYS: current window, previous window. ARGV: limit, elapsed ms, window ms.
// Returns {allowed 0|1, current count before this request, previous count}.
const SLIDING_WINDOW_LUA = `
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
local previous = tonumber(redis.call('GET', KEYS[2]) or '0')
local limit = tonumber(ARGV[1])
local weight = 1 - tonumber(ARGV[2]) / tonumber(ARGV[3])
if weight < 0 then weight = 0 end
if previous * weight + current + 1 > limit then return {0, current, previous} end
redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], 2 * tonumber(ARGV[3]))
return {1, current, previous}
`;

interface SlidingWindowCommand {
  faultlineSlidingWindow(current: string, previous: string, limit: number, elapsedMs: number, windowMs: number): Promise<[number, number, number]>;
}

export function createRedisRateLimiter(redis: Redis, options: RateLimitOptions & { prefix?: string }): RateLimiter {
  const nowMs = options.nowMs ?? Date.now;
  const prefix = options.prefix ?? 'rl';
  // ioredis sends EVALSHA and falls back to EVAL once per connection
  redis.defineCommand('faultlineSlidingWindow', { numberOfKeys: 2, lua: SLIDING_WINDOW_LUA });
  const command = redis as unknown as SlidingWindowCommand;
  return {
    async consume(key) {
      const now = nowMs();
      const window = Math.floor(now / options.windowMs);
      const elapsedMs = now - window * options.windowMs;
      const [allowed, current, previous] = await command.faultlineSlidingWindow(
        `${prefix}:${key}:${window}`,
        `${prefix}:${key}:${window - 1}`,
        options.limit,
        elapsedMs,
        options.windowMs,
      );
      const decision = decide(previous, current, elapsedMs, options, 'redis');
      // the script decided atomically; its verdict wins over a float rounding difference here
      return { ...decision, allowed: allowed === 1, retryAfterMs: allowed === 1 ? 0 : Math.max(1, decision.retryAfterMs) };
    },
  };
}

/**
 * Redis decides while it answers; every request is counted in memory too, and the memory count
 * decides whenever Redis fails, so the limit holds through a Redis outage. A key already over the
 * limit in memory is refused without asking Redis.
 */
export function withMemoryFallback(shared: RateLimiter | undefined, local: MemoryRateLimiter, onFallback?: (error: unknown) => void): RateLimiter {
  return {
    async consume(key) {
      const fromMemory = local.consumeNow(key);
      // Over the limit on this gateway alone is over it everywhere (the shared count includes
      // ours): refuse at once, without a Redis round trip, so a flood is refused cheaply.
      if (shared === undefined || !fromMemory.allowed) return fromMemory;
      try {
        return await shared.consume(key);
      } catch (error) {
        onFallback?.(error);
        return fromMemory;
      }
    },
  };
}
