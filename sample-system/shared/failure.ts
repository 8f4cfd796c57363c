// Why a guarded call failed, in the words the metrics and the answers use: the breaker refused
// it, it ran out of time, or the dependency answered with an error.

import { isBrokenCircuit } from '../resilience/breaker.ts';
import { BudgetSpentError } from '../resilience/dependency.ts';
import { isTimeout } from '../resilience/timeout.ts';
import type { FallbackReason } from './metrics.ts';
import { QueryAbandonedError } from './postgres.ts';

export function failureReason(error: unknown): FallbackReason {
  if (isBrokenCircuit(error)) return 'breaker_open';
  if (isTimeout(error) || error instanceof BudgetSpentError || error instanceof QueryAbandonedError) return 'timeout';
  return 'error';
}
