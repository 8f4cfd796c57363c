import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { isTimeout, perHopTimeout } from '../../sample-system/resilience/timeout.ts';

beforeEach(() => void vi.useFakeTimers());
afterEach(() => void vi.useRealTimers());

const never = (signal: AbortSignal, onAbort: () => void): Promise<never> =>
  new Promise(() => {
    signal.addEventListener('abort', onAbort);
  });

describe('per-hop timeout', () => {
  it('rejects at the limit and aborts the work, even if the work ignores the signal', async () => {
    const aborted = vi.fn();
    const call = perHopTimeout({ timeoutMs: 100, enabled: true }).execute(({ signal }) => never(signal, aborted));
    const settled = expect(call).rejects.toSatisfy(isTimeout);
    await vi.advanceTimersByTimeAsync(99);
    expect(aborted).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    await settled;
    expect(aborted).toHaveBeenCalledOnce();
  });

  it('passes a fast answer through', async () => {
    await expect(perHopTimeout({ timeoutMs: 100, enabled: true }).execute(async () => 42)).resolves.toBe(42);
  });

  it('when disabled, never times out (pass-through)', async () => {
    let resolve: (v: string) => void = () => undefined;
    const call = perHopTimeout({ timeoutMs: 100, enabled: false }).execute(() => new Promise<string>((r) => (resolve = r)));
    await vi.advanceTimersByTimeAsync(10_000);
    resolve('late but fine');
    await expect(call).resolves.toBe('late but fine');
  });

  it('refuses a non-positive limit', () => {
    expect(() => perHopTimeout({ timeoutMs: 0, enabled: true })).toThrow('timeoutMs must be > 0, got 0');
  });
});
