// Bulkheads: a concurrency limit per compartment — per dependency (a slow recommendations service
// can hold at most its share of the edge's workers) and per tenant (a noisy tenant cannot take
// every slot). Calls beyond the limit wait in a short queue or are refused at once with
// BulkheadRejectedError. Each compartment is one of cockatiel's bulkhead policies.

import { type BulkheadPolicy, BulkheadRejectedError, bulkhead } from 'cockatiel';

export interface BulkheadLimits {
  /** calls running at once */
  limit: number;
  /** calls waiting for a slot; more are refused */
  queue: number;
}

export interface Bulkheads {
  /** runs `work` inside the compartment `key`, created on first use with `limitsFor(key)` */
  execute<T>(key: string, work: () => Promise<T>): Promise<T>;
}

export function createBulkheads(limitsFor: (key: string) => BulkheadLimits, options: { enabled: boolean; onReject?: (key: string) => void }): Bulkheads {
  const compartments = new Map<string, BulkheadPolicy>();
  const compartment = (key: string): BulkheadPolicy => {
    let policy = compartments.get(key);
    if (policy === undefined) {
      const { limit, queue } = limitsFor(key);
      policy = bulkhead(limit, queue);
      policy.onReject(() => options.onReject?.(key));
      compartments.set(key, policy);
    }
    return policy;
  };
  return {
    execute(key, work) {
      return options.enabled ? compartment(key).execute(() => work()) : work();
    },
  };
}

export function isBulkheadRejected(error: unknown): boolean {
  return error instanceof BulkheadRejectedError;
}
