// Timeout: a per-hop time limit, so a slow dependency costs a bounded wait instead of a stuck
// request. Aggressive: the caller gets TaskCancelledError at the limit even if the work ignores
// the abort signal (the work still receives the signal and should stop, e.g. free its connection).
// The signal is aborted only when time runs out (or the caller's is), not after every call that
// returned in time: nobody listens then, and an abort builds a DOMException with a stack trace,
// which at a few per request was a quarter of the gateway's CPU.

import { type IDefaultPolicyContext, type IPolicy, noop, TaskCancelledError, TimeoutStrategy, timeout } from 'cockatiel';

export interface TimeoutOptions {
  timeoutMs: number;
  /** false: a pass-through that never times out */
  enabled: boolean;
}

export function perHopTimeout(options: TimeoutOptions): IPolicy<IDefaultPolicyContext> {
  if (!(options.timeoutMs > 0)) throw new Error(`timeoutMs must be > 0, got ${options.timeoutMs}`);
  return options.enabled ? timeout(options.timeoutMs, { strategy: TimeoutStrategy.Aggressive, abortOnReturn: false }) : noop;
}

/** True for the error a timeout (or an aborted parent signal) produces. */
export function isTimeout(error: unknown): boolean {
  return error instanceof TaskCancelledError;
}
