// Turns a recorded run into checks and one verdict. Pure: the recording, the fault records and
// the load figures in, values out. Only a run where every check passed is a pass; a fault that
// did not land or load that did not arrive makes the run inconclusive, never a pass.

import {
  type CheckResult,
  type FaultRecord,
  type LoadFigures,
  PHASES,
  type PhaseSummary,
  type PhaseWindow,
  type SliceFilter,
  type SliceStats,
  type Verdict,
} from '../types.ts';
import { checkSlo, type SloSpec } from './slo.ts';

/** Share of offered iterations k6 may drop (no free VU) before the load is not what was asked. */
export const MAX_DROPPED_SHARE = 0.01;

export interface JudgeInput {
  slos: readonly SloSpec[];
  stats: (filter: SliceFilter) => SliceStats;
  faults: readonly FaultRecord[];
  load: LoadFigures;
  /** the intervals' confidence; default 0.95 */
  confidence?: number;
}

export function judge({ slos, stats, faults, load, confidence }: JudgeInput): { verdict: Verdict; checks: CheckResult[] } {
  const checks: CheckResult[] = [...faults.map(faultCheck), loadCheck(load)];
  for (const slo of slos)
    for (const phase of slo.phases ?? PHASES)
      checks.push(checkSlo(slo, phase, stats({ phase, endpoint: slo.endpoint, ...(slo.priority ? { priority: slo.priority } : {}) }), confidence));
  const judged = checks.map((c) =>
    comparesNothing(c)
      ? {
          ...c,
          status: 'inconclusive' as const,
          why: `${c.why}; but it compared nothing (measured ${c.measured}, threshold ${c.threshold}), so it proves nothing`,
        }
      : c,
  );
  return { verdict: verdictOf(judged), checks: judged };
}

export function verdictOf(checks: readonly CheckResult[]): Verdict {
  if (checks.length === 0) return 'inconclusive';
  if (checks.some((c) => c.status === 'fail')) return 'fail';
  if (checks.some((c) => c.status === 'inconclusive' || comparesNothing(c))) return 'inconclusive';
  return 'pass';
}

/**
 * --strict: a check that passed by its point estimate while its interval straddles the objective
 * counts as failed. Without it a marginal check counts by its point estimate (and says so).
 */
export function applyStrict(checks: readonly CheckResult[], strict: boolean): CheckResult[] {
  if (!strict) return [...checks];
  return checks.map((c) =>
    c.status === 'pass' && c.marginal === true ? { ...c, status: 'fail' as const, why: `${c.why}; --strict counts a marginal check as failed` } : c,
  );
}

/** A pass that measured nothing, or had nothing to measure against, proves nothing. */
export function comparesNothing(c: CheckResult): boolean {
  return c.status === 'pass' && (c.measured === null || c.threshold === null || !Number.isFinite(c.measured) || !Number.isFinite(c.threshold));
}

export function faultCheck(f: FaultRecord): CheckResult {
  return {
    id: `fault:${f.id}`,
    kind: 'fault',
    name: `fault landed: ${f.description}`,
    status: f.landed ? 'pass' : 'inconclusive',
    measured: f.appliedAtMs,
    threshold: f.scheduledAtMs,
    unit: 'ms since load start',
    why: f.landed
      ? `applied at ${f.appliedAtMs} ms (scheduled ${f.scheduledAtMs} ms): ${f.evidence}`
      : `the fault did not take effect, so the run proves nothing about it: ${f.evidence}`,
  };
}

export function loadCheck(load: LoadFigures): CheckResult {
  const offered = load.requestsSent + load.droppedIterations;
  const share = offered === 0 ? 1 : load.droppedIterations / offered;
  const base = {
    id: 'load:offered',
    kind: 'load' as const,
    name: `offered load delivered (${load.offeredRatePerSecond} req/s)`,
    measured: Number(share.toFixed(4)),
    threshold: MAX_DROPPED_SHARE,
    unit: 'dropped share',
  };
  if (load.k6ExitCode !== 0 && load.stoppedAtMs === undefined)
    return { ...base, status: 'inconclusive', why: `k6 exited with code ${load.k6ExitCode}: the load did not run to the end` };
  if (load.requestsSent === 0) return { ...base, status: 'inconclusive', why: 'k6 sent no request at all' };
  const ok = share <= MAX_DROPPED_SHARE;
  return {
    ...base,
    status: ok ? 'pass' : 'inconclusive',
    why: `${load.stoppedAtMs === undefined ? '' : `the harness ended the load at ${load.stoppedAtMs} ms (adaptive phases); `}${load.requestsSent} requests sent, ${load.droppedIterations} iterations dropped (${(share * 100).toFixed(2)}%); ${ok ? 'within' : 'over'} the ${MAX_DROPPED_SHARE * 100}% bound${ok ? '' : ': the system did not get the load the scenario offers'}`,
  };
}

/** Per-phase, per-endpoint figures for result.json and the report. */
export function summarise(phases: readonly PhaseWindow[], endpoints: readonly string[], stats: (f: SliceFilter) => SliceStats): PhaseSummary[] {
  return phases.flatMap((w) =>
    endpoints.map((endpoint) => {
      const s = stats({ phase: w.name, endpoint });
      return {
        phase: w.name,
        endpoint,
        startMs: w.startMs,
        endMs: w.endMs,
        ok: s.ok,
        degraded: s.degraded,
        error: s.error,
        availability: s.total === 0 ? null : Number(((s.ok + s.degraded) / s.total).toFixed(4)),
        p50Ms: s.latencyAtMs(50),
        p95Ms: s.latencyAtMs(95),
        p99Ms: s.latencyAtMs(99),
        maxMs: s.maxMs,
      };
    }),
  );
}

/** Phase windows on the load clock from the faults' real apply and remove times. */
export function phaseWindows(faults: readonly FaultRecord[], durationMs: number): PhaseWindow[] {
  const applied = faults.map((f) => f.appliedAtMs).filter((t): t is number => t !== null);
  const removed = faults.map((f) => f.removedAtMs).filter((t): t is number => t !== null);
  // a fault that never applied keeps its schedule, so the windows exist and the checks can say why
  const faultStart = applied.length > 0 ? Math.min(...applied) : Math.min(...faults.map((f) => f.scheduledAtMs), durationMs);
  const faultEnd = removed.length > 0 ? Math.max(...removed) : Math.max(...faults.map((f) => f.scheduledAtMs + f.scheduledForMs), faultStart);
  const end = Math.max(durationMs, faultEnd) + 5_000; // requests sent at the end may finish late
  return [
    { name: 'baseline', startMs: 0, endMs: faultStart },
    { name: 'fault', startMs: faultStart, endMs: faultEnd },
    { name: 'recovery', startMs: faultEnd, endMs: end },
  ];
}
