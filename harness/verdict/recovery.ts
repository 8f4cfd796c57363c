// Recovery: how long after the last fault was removed the endpoint's SLOs held again for good,
// and how long until its answers were no longer degraded. "For good" means every sliding window
// (5 s, stepped by 1 s) from that moment to the end of the load holds, judged exactly on the
// raw samples: one slow request does not hide a recovery, one good second does not fake one.

import { parseDurationMs } from '../duration.ts';
import { type CheckResult, PHASES, type RecoveryFigures, type SliceFilter, type SliceStats } from '../types.ts';
import { checkSlo, type SloSpec } from './slo.ts';

export interface RecoverySpec {
  kind: 'recovery';
  endpoint: string;
  /** the bound, e.g. '10s' */
  within: string;
}

export const recoversWithin = (endpoint: string, within: string): RecoverySpec => ({ kind: 'recovery', endpoint, within });

export const RECOVERY_WINDOW_MS = 5000;
const STEP_MS = 1000;
/** share of degraded + error answers under which a window counts as undegraded */
const UNDEGRADED_SHARE = 0.01;

type Stats = (filter: SliceFilter) => SliceStats;

/** The first start (from removal, in steps) after which every window satisfies `good`, in ms after removal. */
function settledAfterMs(removedAtMs: number, loadEndMs: number, good: (fromMs: number, toMs: number) => boolean): number | null {
  const starts: number[] = [];
  for (let t = removedAtMs; t + RECOVERY_WINDOW_MS <= loadEndMs; t += STEP_MS) starts.push(t);
  if (starts.length === 0) return null;
  let settled: number | null = null;
  for (const t of starts) {
    if (good(t, t + RECOVERY_WINDOW_MS)) settled ??= t;
    else settled = null;
  }
  return settled === null ? null : settled - removedAtMs;
}

export function measureRecovery(stats: Stats, endpoint: string, removedAtMs: number, loadDurationMs: number, slos: readonly SloSpec[]): RecoveryFigures {
  // the SLOs that apply after the fault: one that holds in the baseline only does not judge recovery
  const own = slos.filter((o) => o.endpoint === endpoint && (o.phases ?? PHASES).includes('recovery'));
  const slice = (fromMs: number, toMs: number): SliceStats => stats({ endpoint, fromMs, toMs });
  const holds = (fromMs: number, toMs: number): boolean =>
    own.length > 0 &&
    own.every((o) => {
      const s = stats({ endpoint, fromMs, toMs, ...(o.priority ? { priority: o.priority } : {}) });
      return s.total > 0 && checkSlo(o, 'recovery', s).status === 'pass';
    });
  const undegraded = (fromMs: number, toMs: number): boolean => {
    const s = slice(fromMs, toMs);
    return s.total > 0 && (s.degraded + s.error) / s.total < UNDEGRADED_SHARE;
  };
  return {
    endpoint,
    removedAtMs,
    observedForMs: Math.max(0, loadDurationMs - removedAtMs),
    recoveredAfterMs: settledAfterMs(removedAtMs, loadDurationMs, holds),
    undegradedAfterMs: settledAfterMs(removedAtMs, loadDurationMs, undegraded),
  };
}

export function recoveryCheck(spec: RecoverySpec, figures: RecoveryFigures): CheckResult {
  const withinMs = parseDurationMs(spec.within) ?? 0;
  const base = {
    id: `recovery:${spec.endpoint}`,
    kind: 'recovery' as const,
    name: `recovers within ${spec.within}`,
    endpoint: spec.endpoint,
    threshold: withinMs,
    unit: 'ms',
  };
  const undegraded =
    figures.undegradedAfterMs === null ? 'answers stayed degraded to the end' : `answers were undegraded ${figures.undegradedAfterMs} ms after removal`;
  if (figures.recoveredAfterMs === null && figures.observedForMs !== undefined && figures.observedForMs < RECOVERY_WINDOW_MS)
    return {
      ...base,
      status: 'inconclusive',
      measured: null,
      why: `the load ended ${figures.observedForMs} ms after the fault was removed (at ${figures.removedAtMs} ms), less than one ${RECOVERY_WINDOW_MS / 1000} s window: recovery was not observed (a run ended by abortOnFail stops here)`,
    };
  if (figures.recoveredAfterMs === null)
    return {
      ...base,
      status: 'fail',
      measured: null,
      why: `the SLOs of ${spec.endpoint} did not hold again for good (every ${RECOVERY_WINDOW_MS / 1000} s window) before the load ended; fault removed at ${figures.removedAtMs} ms; ${undegraded}`,
    };
  const ok = figures.recoveredAfterMs <= withinMs;
  return {
    ...base,
    status: ok ? 'pass' : 'fail',
    measured: figures.recoveredAfterMs,
    why: `SLOs held in every ${RECOVERY_WINDOW_MS / 1000} s window from ${figures.recoveredAfterMs} ms after the fault was removed (${ok ? 'within' : 'over'} the ${withinMs} ms bound); ${undegraded}`,
  };
}
