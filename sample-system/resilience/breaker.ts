// A circuit breaker per dependency (Nygard, "Release It!"): closed -> open after `threshold`
// consecutive failures; while open every call fails fast with BrokenCircuitError; after
// `halfOpenAfterMs` one probe call is let through (half-open): success closes, failure reopens.

export type BreakerState = 'closed' | 'open' | 'half-open';

export class BrokenCircuitError extends Error {
  constructor(dependency: string) {
    super(`circuit to ${dependency} is open: failing fast`);
    this.name = 'BrokenCircuitError';
  }
}

export interface BreakerOptions {
  dependency: string;
  threshold: number;
  halfOpenAfterMs: number;
  now?: () => number;
  /** which errors count as the dependency failing (a 'not found' does not) */
  isFailure?: (error: unknown) => boolean;
}

export class CircuitBreaker {
  private stateNow: BreakerState = 'closed';
  private failures = 0;
  private openedAt = 0;
  private probing = false;
  private readonly listeners: ((to: BreakerState, from: BreakerState) => void)[] = [];
  private readonly o: Required<BreakerOptions>;

  constructor(options: BreakerOptions) {
    this.o = { now: () => performance.now(), isFailure: () => true, ...options };
  }

  get state(): BreakerState {
    if (this.stateNow === 'open' && this.o.now() - this.openedAt >= this.o.halfOpenAfterMs) this.transition('half-open');
    return this.stateNow;
  }

  /** Listens to transitions; returns a disposable, as cockatiel's events do. */
  onTransition(listener: (to: BreakerState, from: BreakerState) => void): { dispose(): void } {
    this.listeners.push(listener);
    return { dispose: () => void this.listeners.splice(this.listeners.indexOf(listener), 1) };
  }

  async execute<T>(work: () => Promise<T>): Promise<T> {
    const state = this.state;
    if (state === 'open' || (state === 'half-open' && this.probing)) throw new BrokenCircuitError(this.o.dependency);
    const probe = state === 'half-open';
    if (probe) this.probing = true;
    try {
      const result = await work();
      this.failures = 0;
      if (this.stateNow !== 'closed') this.transition('closed');
      return result;
    } catch (error) {
      if (this.o.isFailure(error)) this.recordFailure(probe);
      else if (probe && this.stateNow === 'half-open') this.transition('closed');
      throw error;
    } finally {
      if (probe) this.probing = false;
    }
  }

  private recordFailure(probe: boolean): void {
    this.failures++;
    if (probe || (this.stateNow === 'closed' && this.failures >= this.o.threshold)) {
      this.openedAt = this.o.now();
      this.transition('open');
    }
  }

  private transition(to: BreakerState): void {
    const from = this.stateNow;
    if (from === to) return;
    this.stateNow = to;
    if (to === 'closed') this.failures = 0;
    for (const l of this.listeners) l(to, from);
  }
}
