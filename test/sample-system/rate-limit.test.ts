import { describe, expect, it } from 'vitest';
import { createMemoryRateLimiter, type RateLimiter, retryAfterMs, slidingWindowCount, withMemoryFallback } from '../../sample-system/resilience/rate-limit.ts';

function clock(startMs: number) {
  let now = startMs;
  return { nowMs: () => now, set: (ms: number) => void (now = ms), advance: (ms: number) => void (now += ms) };
}

describe('sliding window counter', () => {
  it('weights the previous window by how much of it still overlaps', () => {
    expect(slidingWindowCount(100, 20, 0, 1000)).toBe(120);
    expect(slidingWindowCount(100, 20, 250, 1000)).toBe(95);
    expect(slidingWindowCount(100, 20, 1000, 1000)).toBe(20);
  });

  it('tells a refused caller when one more request fits', () => {
    // full in this window: wait for the next, plus until enough of this one slid out
    expect(retryAfterMs(0, 10, 400, 1000, 10)).toBe(700);
    // the previous window's weight is what refuses: wait until it has slid out enough
    expect(retryAfterMs(10, 5, 100, 1000, 10)).toBe(500);
    expect(slidingWindowCount(10, 5, 600, 1000) + 1).toBeLessThanOrEqual(10);
  });
});

describe('in-memory rate limiter', () => {
  it('allows `limit` requests per window per key and refuses the next, without counting refusals', () => {
    const c = clock(10_000);
    const limiter = createMemoryRateLimiter({ limit: 3, windowMs: 1000, nowMs: c.nowMs });
    expect([1, 2, 3, 4, 5].map(() => limiter.consumeNow('acme').allowed)).toEqual([true, true, true, false, false]);
    expect(limiter.consumeNow('globex').allowed).toBe(true); // another tenant has its own count
    const refused = limiter.consumeNow('acme');
    expect(refused).toMatchObject({ allowed: false, count: 3, limit: 3, source: 'memory' });
    expect(refused.retryAfterMs).toBeGreaterThan(0);
  });

  it('slides: at the start of the next window the previous one still counts almost fully', () => {
    const c = clock(10_000);
    const limiter = createMemoryRateLimiter({ limit: 10, windowMs: 1000, nowMs: c.nowMs });
    for (let i = 0; i < 10; i++) expect(limiter.consumeNow('acme').allowed).toBe(true);
    c.set(11_100); // 10% into the next window: 10 x 0.9 = 9 still count
    expect(limiter.consumeNow('acme').allowed).toBe(true);
    expect(limiter.consumeNow('acme').allowed).toBe(false);
    c.set(11_500); // 10 x 0.5 + 1 = 6: four more fit
    expect([1, 2, 3, 4, 5].map(() => limiter.consumeNow('acme').allowed)).toEqual([true, true, true, true, false]);
  });

  it('never lets through more than about the limit in any one-second span of a steady flood', () => {
    const c = clock(50_000);
    const limiter = createMemoryRateLimiter({ limit: 100, windowMs: 1000, nowMs: c.nowMs });
    const allowedAt: number[] = [];
    for (let t = 0; t < 5000; t += 2) {
      c.set(50_000 + t);
      if (limiter.consumeNow('acme').allowed) allowedAt.push(t);
    }
    for (let start = 0; start + 1000 <= 5000; start += 100) {
      const inSpan = allowedAt.filter((t) => t >= start && t < start + 1000).length;
      expect(inSpan, `span from ${start} ms`).toBeLessThanOrEqual(110);
    }
    expect(allowedAt.length).toBeGreaterThan(450);
  });

  it('forgets keys not seen for two windows', () => {
    const c = clock(0);
    const limiter = createMemoryRateLimiter({ limit: 1, windowMs: 1000, nowMs: c.nowMs });
    for (let i = 0; i < 100; i++) limiter.consumeNow(`tenant-${i}`);
    c.set(5000);
    limiter.consumeNow('acme');
    expect(limiter.size()).toBe(1);
  });
});

describe('rate limiting with a memory fallback', () => {
  it('lets Redis decide while it answers, and the memory count when it fails', async () => {
    const c = clock(10_000);
    const memory = createMemoryRateLimiter({ limit: 3, windowMs: 1000, nowMs: c.nowMs });
    let redisUp = true;
    const redis: RateLimiter = {
      consume: async () => {
        if (!redisUp) throw new Error('Connection is closed.');
        return { allowed: true, count: 0, limit: 3, retryAfterMs: 0, source: 'redis' };
      },
    };
    let fallbacks = 0;
    const limiter = withMemoryFallback(redis, memory, () => fallbacks++);
    expect((await limiter.consume('acme')).source).toBe('redis');
    expect((await limiter.consume('acme')).source).toBe('redis');
    redisUp = false;
    expect(await limiter.consume('acme')).toMatchObject({ allowed: true, source: 'memory' });
    expect(fallbacks).toBe(1);
    // memory has counted every request: the limit holds through the outage
    expect(await limiter.consume('acme')).toMatchObject({ allowed: false, source: 'memory' });
  });

  it('refuses a key already over the limit in memory without a Redis round trip', async () => {
    const c = clock(10_000);
    const memory = createMemoryRateLimiter({ limit: 2, windowMs: 1000, nowMs: c.nowMs });
    let asked = 0;
    const redis: RateLimiter = { consume: async () => (asked++, { allowed: true, count: 0, limit: 2, retryAfterMs: 0, source: 'redis' }) };
    const limiter = withMemoryFallback(redis, memory);
    await limiter.consume('acme');
    await limiter.consume('acme');
    expect(await limiter.consume('acme')).toMatchObject({ allowed: false, source: 'memory' });
    expect(asked).toBe(2);
    expect((await limiter.consume('globex')).source).toBe('redis');
  });
});
