// Recovery: how long after the last fault was removed the endpoint's SLOs held again for good
// (every later second holds), and how long until its answers were no longer degraded. Judged
// per second from the series, so a single good second in the middle of a bad patch is not
// taken for recovery.

import type { CheckResult, RecoveryFigures, SecondPoint } from '../types.ts';
import { parseDurationMs } from '../duration.ts';
import type { SloSpec } from './slo.ts';

export interface RecoverySpec {
  kind: 'recovery';
  endpoint: string;
  /** the bound, e.g. '10s' */
  within: string;
}

export const recoversWithin = (endpoint: string, within: string): RecoverySpec => ({ kind: 'recovery', endpoint, within });

/** A second holds when availability and latency objectives of the endpoint hold within it. */
function secondHolds(p: SecondPoint, slos: readonly SloSpec[]): boolean {
  const total = p.ok + p.degraded + p.error;
  if (total === 0) return false;
  return slos.every((o) => {
    if (o.kind === 'availability') return (p.ok + p.degraded) / total >= o.min;
    // per second only p50 and p99 are kept: judge p <= 50 by p50, anything higher by p99 (stricter)
    const v = o.p <= 50 ? p.p50Ms : p.p99Ms;
    return v !== null && v <= o.maxMs;
  });
}

const clean = (p: SecondPoint): boolean => {
  const total = p.ok + p.degraded + p.error;
  return total > 0 && (p.degraded + p.error) / total < 0.01;
};

/** First second from which `good` holds to the end of the run, as ms after removal. */
function settledAfterMs(points: readonly SecondPoint[], removedAtMs: number, good: (p: SecondPoint) => boolean): number | null {
  let candidate: number | null = null;
  for (const p of points) {
    if (good(p)) candidate ??= p.second;
    else candidate = null;
  }
  return candidate === null ? null : Math.max(0, candidate * 1000 - removedAtMs);
}

export function measureRecovery(series: readonly SecondPoint[], endpoint: string, removedAtMs: number, loadDurationMs: number, slos: readonly SloSpec[]): RecoveryFigures {
  const first = Math.floor(removedAtMs / 1000);
  const last = Math.floor(loadDurationMs / 1000) - 1; // the final partial second is left out
  const points = series.filter((p) => p.endpoint === endpoint && p.second >= first && p.second <= last).sort((a, b) => a.second - b.second);
  const own = slos.filter((o) => o.endpoint === endpoint);
  return {
    endpoint,
    removedAtMs,
    recoveredAfterMs: points.length === 0 ? null : settledAfterMs(points, removedAtMs, (p) => secondHolds(p, own)),
    undegradedAfterMs: points.length === 0 ? null : settledAfterMs(points, removedAtMs, clean),
  };
}

export function recoveryCheck(spec: RecoverySpec, figures: RecoveryFigures): CheckResult {
  const withinMs = parseDurationMs(spec.within) ?? 0;
  const base = { id: `recovery:${spec.endpoint}`, kind: 'recovery' as const, name: `recovers within ${spec.within}`, endpoint: spec.endpoint, threshold: withinMs, unit: 'ms' };
  const undegraded = figures.undegradedAfterMs === null ? 'answers stayed degraded to the end' : `answers were undegraded ${figures.undegradedAfterMs} ms after removal`;
  if (figures.recoveredAfterMs === null)
    return { ...base, status: 'fail', measured: null, why: `the SLOs of ${spec.endpoint} did not hold again for good before the load ended (fault removed at ${figures.removedAtMs} ms); ${undegraded}` };
  const ok = figures.recoveredAfterMs <= withinMs;
  return { ...base, status: ok ? 'pass' : 'fail', measured: figures.recoveredAfterMs, why: `SLOs held again ${figures.recoveredAfterMs} ms after the fault was removed (${ok ? 'within' : 'over'} the ${withinMs} ms bound); ${undegraded}` };
}
