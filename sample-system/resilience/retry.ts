// Retries with capped full-jitter backoff (AWS architecture blog, "Exponential Backoff And
// Jitter"): delay before retry n (n = 0, 1, ...) is random(0, min(capMs, baseMs * 2^n)).
// Only idempotent calls are retried, at most `tries` attempts in all, and never past a budget.

export interface RetryOptions {
  /** attempts in all, including the first; 1 means no retry */
  tries: number;
  baseMs: number;
  capMs: number;
  /** a retry whose delay would end past this many ms since the first attempt is not made */
  budgetMs: number;
  idempotent: boolean;
  isRetryable: (error: unknown) => boolean;
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  onRetry?: (attempt: number, delayMs: number, error: unknown) => void;
}

export const MAX_TRIES = 3;

export function fullJitterDelayMs(retry: number, baseMs: number, capMs: number, random: () => number = Math.random): number {
  return random() * Math.min(capMs, baseMs * 2 ** retry);
}

const realSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function retry<T>(work: (attempt: number) => Promise<T>, o: RetryOptions): Promise<T> {
  const tries = o.idempotent ? Math.min(Math.max(1, o.tries), MAX_TRIES) : 1;
  const now = o.now ?? (() => performance.now());
  const sleep = o.sleep ?? realSleep;
  const start = now();
  for (let attempt = 0; ; attempt++) {
    try {
      return await work(attempt);
    } catch (error) {
      if (attempt + 1 >= tries || !o.isRetryable(error)) throw error;
      const delayMs = fullJitterDelayMs(attempt, o.baseMs, o.capMs, o.random);
      if (now() - start + delayMs >= o.budgetMs) throw error;
      o.onRetry?.(attempt + 1, delayMs, error);
      await sleep(delayMs);
    }
  }
}
