// Client-side load balancing over a service's replicas with outlier ejection (Envoy's
// "consecutive gateway failure" detector) and active health checks: round robin over the replicas
// that are healthy and not ejected; a replica whose calls fail `consecutiveFailures` times in a
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
}

export interface Balancer {
  /** the replica for the next call */
  pick(): number;
  /** the outcome of a call to `replica`: false for a timeout or a connection failure */
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
}

export function createBalancer(options: BalancerOptions): Balancer {
  if (!Number.isInteger(options.replicas) || options.replicas < 1) throw new Error(`replicas must be a positive integer, got ${options.replicas}`);
  const nowMs = options.nowMs ?? Date.now;
  const replicas: Replica[] = Array.from({ length: options.replicas }, () => ({ healthy: true, failures: 0, ejections: 0, ejectedUntilMs: 0 }));
  const maxEjected = Math.max(1, Math.floor(options.replicas * options.maxEjectedShare));
  const listeners: ((replica: number, forMs: number) => void)[] = [];
  let next = 0;

  const isEjected = (r: Replica, now: number): boolean => r.ejectedUntilMs > now;
  const available = (r: Replica, now: number): boolean => r.healthy && !isEjected(r, now);
  const roundRobin = (eligible: (i: number) => boolean): number | undefined => {
    for (let k = 0; k < replicas.length; k++) {
      const i = (next + k) % replicas.length;
      if (eligible(i)) {
        next = i + 1;
        return i;
      }
    }
    return undefined;
  };

  return {
    pick() {
      if (!options.enabled) return roundRobin(() => true) as number;
      const now = nowMs();
      return roundRobin((i) => available(replicas[i] as Replica, now)) ?? (roundRobin(() => true) as number);
    },
    report(replica, ok) {
      const r = replicas[replica];
      if (r === undefined || !options.enabled) return;
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
      return replicas.map((r, replica) => ({ replica, healthy: r.healthy, ejected: isEjected(r, now), consecutiveFailures: r.failures, ejections: r.ejections }));
    },
    onEject(listener) {
      listeners.push(listener);
    },
  };
}
