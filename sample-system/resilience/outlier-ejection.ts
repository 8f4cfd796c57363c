// Client-side load balancing over a service's replicas with outlier ejection (Envoy's
// "consecutive gateway failure" detector) and active health checks: each call goes to the replica
// with the fewest calls in flight among those that are healthy and not ejected, round robin among
// equals (Envoy's least-request): a frozen or very slow replica holds its calls, so one stuck call
// steers the next ones to its peers long before a timeout or a health check can tell; and a
// replica that has had calls in flight but finished none for `stallAfterMs` is stalled, out of
// rotation until one of its calls comes back. A replica whose calls fail `consecutiveFailures` times in a
// row (timeouts, refused or reset connections) is ejected for baseEjectionMs x (times ejected),
// up to maxEjectionMs, then tried again. A replica whose readiness check fails is out of rotation
// until it passes. At most `maxEjectedShare` of the replicas are ejected at once, and when none
// is left to pick the balancer panics and spreads over all of them (a degraded pool beats none).
// The clock is injected.

export interface BalancerOptions {
  replicas: number;
  consecutiveFailures: number;
  baseEjectionMs: number;
  maxEjectionMs: number;
  /** share of the replicas that may be ejected at once (Envoy's max_ejection_percent), at least one */
  maxEjectedShare: number;
  /** a replica with calls in flight that finished none for this long is left out while a peer is not (default: never) */
  stallAfterMs?: number;
  /** false: plain round robin over every replica, whatever happens to them */
  enabled: boolean;
  nowMs?: () => number;
}

export interface ReplicaState {
  replica: number;
  healthy: boolean;
  ejected: boolean;
  consecutiveFailures: number;
  ejections: number;
  inFlight: number;
  stalled: boolean;
}

export interface Balancer {
  /** the replica for the next call; the call counts as in flight until it is reported */
  pick(): number;
  /** the outcome of a call to `replica` (it is no longer in flight): false for a timeout or a connection failure */
  report(replica: number, ok: boolean): void;
  /** the outcome of an active readiness check */
  setHealthy(replica: number, healthy: boolean): void;
  states(): ReplicaState[];
  onEject(listener: (replica: number, forMs: number) => void): void;
}

interface Replica {
  healthy: boolean;
  failures: number;
  ejections: number;
  ejectedUntilMs: number;
  inFlight: number;
  /** when it last made progress: a call started on an idle replica, or one came back */
  progressAtMs: number;
}

export function createBalancer(options: BalancerOptions): Balancer {
  if (!Number.isInteger(options.replicas) || options.replicas < 1) throw new Error(`replicas must be a positive integer, got ${options.replicas}`);
  const nowMs = options.nowMs ?? Date.now;
  const replicas: Replica[] = Array.from({ length: options.replicas }, () => ({
    healthy: true,
    failures: 0,
    ejections: 0,
    ejectedUntilMs: 0,
    inFlight: 0,
    progressAtMs: 0,
  }));
  const maxEjected = Math.max(1, Math.floor(options.replicas * options.maxEjectedShare));
  const listeners: ((replica: number, forMs: number) => void)[] = [];
  let next = 0;

  const isEjected = (r: Replica, now: number): boolean => r.ejectedUntilMs > now;
  const stalled = (r: Replica, now: number): boolean => options.stallAfterMs !== undefined && r.inFlight > 0 && now - r.progressAtMs >= options.stallAfterMs;
  const available = (r: Replica, now: number): boolean => r.healthy && !isEjected(r, now) && !stalled(r, now);
  /** the eligible replica with the fewest calls in flight, the first after the last pick among equals */
  const leastInFlight = (eligible: (i: number) => boolean): number | undefined => {
    let best: number | undefined;
    for (let k = 0; k < replicas.length; k++) {
      const i = (next + k) % replicas.length;
      if (eligible(i) && (best === undefined || (replicas[i] as Replica).inFlight < (replicas[best] as Replica).inFlight)) best = i;
    }
    if (best !== undefined) next = best + 1;
    return best;
  };
  const roundRobin = (): number => {
    const i = next % replicas.length;
    next = i + 1;
    return i;
  };
  const started = (i: number): number => {
    const r = replicas[i] as Replica;
    if (r.inFlight === 0) r.progressAtMs = nowMs();
    r.inFlight++;
    return i;
  };

  return {
    pick() {
      if (!options.enabled) return started(roundRobin());
      const now = nowMs();
      return started(leastInFlight((i) => available(replicas[i] as Replica, now)) ?? leastInFlight(() => true) ?? roundRobin());
    },
    report(replica, ok) {
      const r = replicas[replica];
      if (r === undefined) return;
      r.inFlight = Math.max(0, r.inFlight - 1);
      r.progressAtMs = nowMs();
      if (!options.enabled) return;
      if (ok) {
        r.failures = 0;
        return;
      }
      r.failures++;
      const now = nowMs();
      if (r.failures < options.consecutiveFailures || isEjected(r, now)) return;
      if (replicas.filter((x) => isEjected(x, now)).length >= maxEjected) return;
      // a replica that behaved for a long while starts again from the base ejection time
      if (now - r.ejectedUntilMs > 2 * options.maxEjectionMs) r.ejections = 0;
      r.ejections++;
      const forMs = Math.min(options.maxEjectionMs, options.baseEjectionMs * r.ejections);
      r.ejectedUntilMs = now + forMs;
      r.failures = 0;
      for (const listener of listeners) listener(replica, forMs);
    },
    setHealthy(replica, healthy) {
      const r = replicas[replica];
      if (r !== undefined) r.healthy = healthy;
    },
    states() {
      const now = nowMs();
      return replicas.map((r, replica) => ({
        replica,
        healthy: r.healthy,
        ejected: isEjected(r, now),
        consecutiveFailures: r.failures,
        ejections: r.ejections,
        inFlight: r.inFlight,
        stalled: stalled(r, now),
      }));
    },
    onEject(listener) {
      listeners.push(listener);
    },
  };
}
