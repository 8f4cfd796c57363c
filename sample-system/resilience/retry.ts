// Retry with capped full-jitter backoff (`random(0, min(capMs, baseMs * 2^attempt))`), 3 tries
// at most, only for idempotent calls and only on errors the caller calls transient. The policy
// is cockatiel's; the jitter is ours so the random source can be injected.

import { ExponentialBackoff, handleWhen, noop, retry, type GeneratorFn, type IDefaultPolicyContext, type IDisposable, type IPolicy } from 'cockatiel';

export const MAX_TRIES = 3;

export interface RetryOptions {
  /** total tries including the first, 1..3 */
  maxTries: number;
  baseMs: number;
  capMs: number;
  /** which failures are worth another try (connection errors, timeouts) */
  isRetryable: (error: Error) => boolean;
  /** uniform in [0, 1); defaults to Math.random */
  random?: () => number;
  /** false: every call runs once */
  enabled: boolean;
}

export interface RetryEvent {
  /** 1 for the first retry (the second try) */
  retry: number;
  delayMs: number;
  error: unknown;
}

export interface Retry {
  /** The policy for one call: retries only if the call is idempotent and retry is enabled. */
  policyFor(call: { idempotent: boolean }): IPolicy<IDefaultPolicyContext>;
  onRetry(listener: (event: RetryEvent) => void): IDisposable;
}

/** The upper bound of the delay before retry number `attempt + 1` (attempt counts from 0). */
export function backoffCapMs(attempt: number, baseMs: number, capMs: number): number {
  return Math.min(capMs, baseMs * 2 ** attempt);
}

export function fullJitterDelayMs(attempt: number, baseMs: number, capMs: number, random: () => number = Math.random): number {
  return Math.floor(random() * backoffCapMs(attempt, baseMs, capMs));
}

/** cockatiel backoff generator: state is the attempt number, starting at 0. */
export function fullJitter(random: () => number = Math.random): GeneratorFn<number> {
  return (attempt = 0, options) => [fullJitterDelayMs(attempt, options.initialDelay, options.maxDelay, random), attempt + 1];
}

export function createRetry(options: RetryOptions): Retry {
  const { maxTries, baseMs, capMs } = options;
  if (!Number.isInteger(maxTries) || maxTries < 1 || maxTries > MAX_TRIES) throw new Error(`maxTries must be an integer in 1..${MAX_TRIES}, got ${maxTries}`);
  if (!(baseMs >= 0 && capMs >= baseMs)) throw new Error(`need 0 <= baseMs <= capMs, got baseMs ${baseMs}, capMs ${capMs}`);
  const listeners = new Set<(event: RetryEvent) => void>();
  const policy =
    options.enabled && maxTries > 1
      ? retry(handleWhen(options.isRetryable), {
          maxAttempts: maxTries - 1,
          backoff: new ExponentialBackoff({ generator: fullJitter(options.random), initialDelay: baseMs, maxDelay: capMs, exponent: 2 }),
        })
      : undefined;
  policy?.onRetry((e) => {
    const event: RetryEvent = { retry: e.attempt, delayMs: e.delay, error: 'error' in e ? e.error : e.value };
    for (const listener of listeners) listener(event);
  });
  return {
    policyFor: (call) => (policy && call.idempotent ? policy : noop),
    onRetry(listener) {
      listeners.add(listener);
      return { dispose: () => void listeners.delete(listener) };
    },
  };
}
