// Retry budget: a token bucket that caps retries at a share of the traffic (Finagle's and gRPC's
// rule). Every call deposits `ratio` of a token (0.1: one retry per ten calls); every retry
// withdraws a whole one; a small time-based allowance (`minPerSecond`) lets a quiet service still
// retry now and then. So when a dependency fails wholesale, retries stop multiplying the load on
// it after the bucket is empty, instead of tripling it. cockatiel has no such policy.

export interface RetryBudgetOptions {
  /** tokens deposited per call, e.g. 0.1 for ~10% retries */
  ratio: number;
  /** tokens added per second regardless of traffic */
  minPerSecond: number;
  /** the most tokens the bucket holds (and starts with): the largest burst of retries */
  maxTokens: number;
  nowMs?: () => number;
}

export interface RetryBudget {
  /** one call made (first tries only) */
  deposit(): void;
  /** true, taking a token, when a retry may go ahead */
  tryWithdraw(): boolean;
  tokens(): number;
}

export const DEFAULT_RETRY_BUDGET: Readonly<Omit<RetryBudgetOptions, 'nowMs'>> = { ratio: 0.1, minPerSecond: 1, maxTokens: 10 };

export function createRetryBudget(options: RetryBudgetOptions): RetryBudget {
  const { ratio, minPerSecond, maxTokens } = options;
  if (!(ratio >= 0 && ratio <= 1)) throw new Error(`ratio must be in [0, 1], got ${ratio}`);
  if (!(minPerSecond >= 0)) throw new Error(`minPerSecond must be >= 0, got ${minPerSecond}`);
  if (!(maxTokens >= 1)) throw new Error(`maxTokens must be >= 1, got ${maxTokens}`);
  const nowMs = options.nowMs ?? Date.now;
  let balance = maxTokens;
  let lastRefillMs = nowMs();

  const refill = (): void => {
    const now = nowMs();
    balance = Math.min(maxTokens, balance + ((now - lastRefillMs) / 1000) * minPerSecond);
    lastRefillMs = now;
  };

  return {
    deposit() {
      balance = Math.min(maxTokens, balance + ratio);
    },
    tryWithdraw() {
      refill();
      // a float sum of ten 0.1s is 0.9999999999999999: allow for it
      if (balance < 1 - 1e-9) return false;
      balance = Math.max(0, balance - 1);
      return true;
    },
    tokens() {
      refill();
      return balance;
    },
  };
}
