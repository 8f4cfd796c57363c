// Retry with capped full-jitter backoff (`random(0, min(capMs, baseMs * 2^attempt))`), 3 tries
// at most, only for idempotent calls and only on errors the caller calls transient, and, when a
// retry budget is given, only while the budget has a token. The policy is cockatiel's; the jitter
// is ours so the random source can be injected.

import { ExponentialBackoff, type GeneratorFn, handleWhen, type IDefaultPolicyContext, type IDisposable, type IPolicy, noop, retry } from 'cockatiel';
import type { RetryBudget } from './retry-budget.ts';

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
  /** when given, each retry takes a token; with none left the call fails with its last error */
  budget?: RetryBudget;
  /** told when a retry was due but the budget had no token */
  onBudgetRefused?: () => void;
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
  const { maxTries, baseMs, capMs, budget } = options;
  if (!Number.isInteger(maxTries) || maxTries < 1 || maxTries > MAX_TRIES) throw new Error(`maxTries must be an integer in 1..${MAX_TRIES}, got ${maxTries}`);
  if (!(baseMs >= 0 && capMs >= baseMs)) throw new Error(`need 0 <= baseMs <= capMs, got baseMs ${baseMs}, capMs ${capMs}`);
  const listeners = new Set<(event: RetryEvent) => void>();
  const on = options.enabled && maxTries > 1;
  const build = (isRetryable: (error: Error) => boolean): IPolicy<IDefaultPolicyContext> => {
    const policy = retry(handleWhen(isRetryable), {
      maxAttempts: maxTries - 1,
      backoff: new ExponentialBackoff({ generator: fullJitter(options.random), initialDelay: baseMs, maxDelay: capMs, exponent: 2 }),
    });
    policy.onRetry((e) => {
      const event: RetryEvent = { retry: e.attempt, delayMs: e.delay, error: 'error' in e ? e.error : e.value };
      for (const listener of listeners) listener(event);
    });
    return policy;
  };
  const shared = on && budget === undefined ? build(options.isRetryable) : undefined;

  /** cockatiel asks "handled?" on every failure, the last one too: only a failure with a retry after it may take a token */
  const budgeted = (spend: RetryBudget): IPolicy<IDefaultPolicyContext> => {
    let failures = 0;
    return build((error) => {
      if (!options.isRetryable(error)) return false;
      failures++;
      if (failures >= maxTries) return true; // no retry follows: cockatiel gives up and rethrows
      if (spend.tryWithdraw()) return true;
      options.onBudgetRefused?.();
      return false;
    });
  };

  return {
    policyFor(call) {
      if (!on || !call.idempotent) return noop;
      return shared ?? budgeted(budget as RetryBudget);
    },
    onRetry(listener) {
      listeners.add(listener);
      return { dispose: () => void listeners.delete(listener) };
    },
  };
}
