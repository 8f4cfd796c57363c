import { describe, expect, it, vi } from 'vitest';
import { withStaleFallback } from '../../sample-system/resilience/fallback.ts';

const fail = async (): Promise<string> => {
  throw new Error('postgres timed out');
};

describe('stale-cache fallback', () => {
  it('answers from the source of truth when it works, not degraded, without reading the cache', async () => {
    const stale = vi.fn(async () => 'old');
    await expect(withStaleFallback(async () => 'fresh', stale, { enabled: true })).resolves.toEqual({ value: 'fresh', degraded: false });
    expect(stale).not.toHaveBeenCalled();
  });

  it('answers the stale copy when the source fails, marked degraded with the cause', async () => {
    const outcome = await withStaleFallback(fail, async () => 'old', { enabled: true });
    expect(outcome).toMatchObject({ value: 'old', degraded: true });
    expect(outcome.degraded && (outcome.cause as Error).message).toBe('postgres timed out');
  });

  it('rethrows the original error when the cache has nothing', async () => {
    await expect(withStaleFallback(fail, async () => undefined, { enabled: true })).rejects.toThrow('postgres timed out');
  });

  it('rethrows the original error when the cache fails too, and reports the cache failure', async () => {
    const onFallbackError = vi.fn();
    await expect(withStaleFallback(fail, async () => Promise.reject(new Error('redis down')), { enabled: true, onFallbackError })).rejects.toThrow(
      'postgres timed out',
    );
    expect(onFallbackError).toHaveBeenCalledWith(expect.objectContaining({ message: 'redis down' }));
  });

  it('when disabled, never reads the cache (pass-through)', async () => {
    const stale = vi.fn(async () => 'old');
    await expect(withStaleFallback(fail, stale, { enabled: false })).rejects.toThrow('postgres timed out');
    expect(stale).not.toHaveBeenCalled();
  });
});
