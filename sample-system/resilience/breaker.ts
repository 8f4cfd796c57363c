// Circuit breaker per dependency: closed -> open after `consecutiveFailures` failures in a row;
// while open every call fails fast with BrokenCircuitError; after `halfOpenAfterMs` the next call
// is a probe (half-open) — success closes the circuit, failure opens it again. Calls that arrive
// during the probe wait for its verdict (cockatiel's rule), so the probe's timeout bounds them.
// cockatiel reads the time from Date.now(); tests drive it with a fake clock.

import {
  BrokenCircuitError,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  handleWhen,
  type IDefaultPolicyContext,
  type IDisposable,
  type IPolicy,
  noop,
} from 'cockatiel';

export type BreakerState = 'closed' | 'half-open' | 'open';

/** The value of the `breaker_state` gauge. */
export const BREAKER_STATE_VALUE: Readonly<Record<BreakerState, number>> = { closed: 0, 'half-open': 1, open: 2 };

export interface BreakerOptions {
  /** names the dependency in errors and metrics */
  dependency: string;
  consecutiveFailures: number;
  halfOpenAfterMs: number;
  /** which errors count against the dependency; others pass through without changing the state */
  isFailure: (error: Error) => boolean;
  /** false: a pass-through that is always closed */
  enabled: boolean;
}

export interface Breaker {
  readonly dependency: string;
  readonly policy: IPolicy<IDefaultPolicyContext>;
  state(): BreakerState;
  onTransition(listener: (to: BreakerState) => void): IDisposable;
}

function toBreakerState(state: CircuitState): BreakerState {
  if (state === CircuitState.Closed) return 'closed';
  if (state === CircuitState.HalfOpen) return 'half-open';
  return 'open'; // Open and Isolated both refuse calls
}

export function createBreaker(options: BreakerOptions): Breaker {
  if (!Number.isInteger(options.consecutiveFailures) || options.consecutiveFailures < 1)
    throw new Error(`consecutiveFailures must be a positive integer, got ${options.consecutiveFailures}`);
  if (!(options.halfOpenAfterMs > 0)) throw new Error(`halfOpenAfterMs must be > 0, got ${options.halfOpenAfterMs}`);
  const listeners = new Set<(to: BreakerState) => void>();
  const onTransition = (listener: (to: BreakerState) => void): IDisposable => {
    listeners.add(listener);
    return { dispose: () => void listeners.delete(listener) };
  };
  if (!options.enabled) return { dependency: options.dependency, policy: noop, state: () => 'closed', onTransition };

  const policy = circuitBreaker(handleWhen(options.isFailure), {
    halfOpenAfter: options.halfOpenAfterMs,
    breaker: new ConsecutiveBreaker(options.consecutiveFailures),
  });
  policy.onStateChange((state) => {
    const to = toBreakerState(state);
    for (const listener of listeners) listener(to);
  });
  return { dependency: options.dependency, policy, state: () => toBreakerState(policy.state), onTransition };
}

export function isBrokenCircuit(error: unknown): boolean {
  return error instanceof BrokenCircuitError;
}
