// One dependency (Postgres, a downstream service) behind the patterns in their textbook order:
//
//   time budget -> retry (idempotent calls only, inside a retry budget) -> circuit breaker
//     -> attempt timeout -> work
//
// so the breaker sees every attempt, an open breaker stops retries at once (BrokenCircuitError is
// not retryable), retries stay a bounded share of the calls, and the whole call never outlives its
// time budget. Each pattern is switched off alone through `disabled` and then passes calls
// straight through. The observer sees every attempt that reached the dependency, every retry,
// every retry the budget refused and every breaker transition (for metrics).

import type { IDefaultPolicyContext, IPolicy } from 'cockatiel';
import { type Breaker, type BreakerState, createBreaker, isBrokenCircuit } from './breaker.ts';
import type { PatternName } from './patterns.ts';
import { createRetry, type RetryEvent } from './retry.ts';
import { createRetryBudget, DEFAULT_RETRY_BUDGET, type RetryBudget, type RetryBudgetOptions } from './retry-budget.ts';
import { isTimeout, perHopTimeout } from './timeout.ts';

export type AttemptResult = 'ok' | 'error' | 'timeout';

export interface DependencyObserver {
  attempt?(result: AttemptResult, durationMs: number): void;
  retry?(event: RetryEvent): void;
  /** a retry was due but the retry budget had no token */
  retryRefused?(): void;
  transition?(to: BreakerState): void;
}

export interface DependencyOptions {
  dependency: string;
  disabled: ReadonlySet<PatternName>;
  attemptTimeoutMs: number;
  /** the most one call may spend on this dependency, retries and backoff included */
  budgetMs: number;
  retry: { maxTries: number; baseMs: number; capMs: number; random?: () => number };
  breaker: { consecutiveFailures: number; halfOpenAfterMs: number };
  /** default DEFAULT_RETRY_BUDGET (~10% of calls may be retried) */
  retryBudget?: Omit<RetryBudgetOptions, 'nowMs'>;
  /** connection-level failures worth a retry and counted by the breaker (timeouts always are) */
  isTransient: (error: Error) => boolean;
  observer?: DependencyObserver;
}

export interface CallOptions {
  idempotent: boolean;
  /** a tighter budget for this call (e.g. what is left of the request's deadline) */
  budgetMs?: number;
}

export interface GuardedDependency {
  readonly breaker: Breaker;
  /** undefined when the retry-budget pattern is off */
  readonly retryBudget: RetryBudget | undefined;
  call<T>(work: (signal: AbortSignal) => Promise<T>, options: CallOptions): Promise<T>;
}

/** Thrown instead of starting an attempt once the call's budget is spent (e.g. after a backoff). */
export class BudgetSpentError extends Error {
  constructor(dependency: string) {
    super(`${dependency}: the call's time budget was spent before this attempt could start`);
    this.name = 'BudgetSpentError';
  }
}

export function guardDependency(options: DependencyOptions): GuardedDependency {
  const { dependency, disabled, observer } = options;
  const timeoutsOn = !disabled.has('timeout');
  // an open breaker's refusal is not a transient failure of the dependency: retrying it only spends
  // retry tokens (a client whose isTransient says "anything but an answer" would otherwise retry it)
  const counts = (error: Error): boolean => !(error instanceof BudgetSpentError) && !isBrokenCircuit(error) && (isTimeout(error) || options.isTransient(error));
  const attemptTimeout = perHopTimeout({ timeoutMs: options.attemptTimeoutMs, enabled: timeoutsOn });
  const budget = perHopTimeout({ timeoutMs: options.budgetMs, enabled: timeoutsOn });
  const breaker = createBreaker({ dependency, ...options.breaker, isFailure: counts, enabled: !disabled.has('breaker') });
  const retriesOn = !disabled.has('retry') && options.retry.maxTries > 1;
  const retryBudget = disabled.has('retry-budget') ? undefined : createRetryBudget(options.retryBudget ?? DEFAULT_RETRY_BUDGET);
  const retry = createRetry({
    ...options.retry,
    isRetryable: counts,
    enabled: !disabled.has('retry'),
    ...(retryBudget ? { budget: retryBudget } : {}),
    onBudgetRefused: () => observer?.retryRefused?.(),
  });
  if (observer?.retry) retry.onRetry((e) => observer.retry?.(e));
  if (observer?.transition) breaker.onTransition((to) => observer.transition?.(to));

  const attempt = async <T>(work: (signal: AbortSignal) => Promise<T>, signal: AbortSignal): Promise<T> => {
    const startedMs = performance.now();
    try {
      const value = await work(signal);
      observer?.attempt?.('ok', performance.now() - startedMs);
      return value;
    } catch (error) {
      observer?.attempt?.(signal.aborted || isTimeout(error) ? 'timeout' : 'error', performance.now() - startedMs);
      throw error;
    }
  };

  return {
    breaker,
    retryBudget,
    call<T>(work: (signal: AbortSignal) => Promise<T>, call: CallOptions): Promise<T> {
      const budgetMs = call.budgetMs ?? options.budgetMs;
      if (!(budgetMs > 0)) return Promise.reject(new BudgetSpentError(dependency));
      retryBudget?.deposit();
      const once = (limit: IPolicy<IDefaultPolicyContext>): Promise<T> =>
        breaker.policy.execute(({ signal: breakerSignal }) => limit.execute(({ signal: attemptSignal }) => attempt(work, attemptSignal), breakerSignal));
      if (!retriesOn || !call.idempotent) {
        // one attempt only: one timeout, the tighter of attempt and budget, bounds all of it
        if (budgetMs >= options.attemptTimeoutMs) return once(attemptTimeout);
        return once(budgetMs === options.budgetMs ? budget : perHopTimeout({ timeoutMs: budgetMs, enabled: timeoutsOn }));
      }
      const callBudget = budgetMs === options.budgetMs ? budget : perHopTimeout({ timeoutMs: budgetMs, enabled: timeoutsOn });
      return callBudget.execute(({ signal }: IDefaultPolicyContext) =>
        retry.policyFor(call).execute(({ signal: retrySignal }) => {
          // cockatiel's backoff sleep ignores the abort, so a retry may wake after the budget ran out
          if (retrySignal.aborted) throw new BudgetSpentError(dependency);
          return breaker.policy.execute(
            ({ signal: breakerSignal }) => attemptTimeout.execute(({ signal: attemptSignal }) => attempt(work, attemptSignal), breakerSignal),
            retrySignal,
          );
        }, signal),
      );
    },
  };
}
