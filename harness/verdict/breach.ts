// Where a failed run first went wrong: the first second in which a failed SLO check's phase and
// endpoint breached its threshold, judged second by second from the recorded series. Pure; the
// report uses it to pick the service log lines worth reading.

import type { CheckResult, PhaseWindow, SecondPoint } from '../types.ts';

export interface FirstBreach {
  second: number;
  check: CheckResult;
  /** what breached in that second, in numbers */
  why: string;
}

/** The percentile a latency check judges, read from its name (`p99 latency <= 300 ms`). */
function percentileOf(check: CheckResult): number | null {
  const m = /^p(\d+(?:\.\d+)?) latency/.exec(check.name);
  return m === null ? null : Number(m[1]);
}

/** Why `point` breaches `check` on its own, or null when that second kept the objective. */
function secondBreach(check: CheckResult, point: SecondPoint): string | null {
  const threshold = check.threshold;
  if (threshold === null) return null;
  const total = point.ok + point.degraded + point.error;
  if (total === 0) return null;
  if (check.id.startsWith('slo:availability:')) {
    const share = (point.ok + point.degraded) / total;
    return share < threshold
      ? `${(share * 100).toFixed(2)}% of ${total} requests answered in second ${point.second}, below ${(threshold * 100).toFixed(2)}%`
      : null;
  }
  if (check.id.startsWith('slo:latency:')) {
    // a second keeps only p50 and p99: a check at p <= 50 reads p50, any higher one reads p99
    const p = percentileOf(check) ?? 99;
    const [label, value] = p <= 50 ? ['p50', point.p50Ms] : ['p99', point.p99Ms];
    return value !== null && value > threshold ? `${label} was ${value.toFixed(1)} ms in second ${point.second}, over ${threshold} ms` : null;
  }
  return null;
}

/** The seconds (their starts) that overlap a phase window. */
const inWindow = (second: number, w: PhaseWindow): boolean => (second + 1) * 1000 > w.startMs && second * 1000 < w.endMs;

/**
 * The earliest breach over every failed SLO check. A check that failed over its whole phase
 * without any single second breaching (or with no samples at all) counts from its phase's start.
 */
export function firstBreach(checks: readonly CheckResult[], series: readonly SecondPoint[], phases: readonly PhaseWindow[]): FirstBreach | null {
  let first: FirstBreach | null = null;
  for (const check of checks) {
    if (check.status !== 'fail' || check.kind !== 'slo') continue;
    const window = phases.find((w) => w.name === check.phase);
    if (window === undefined) continue;
    const points = series.filter((p) => p.endpoint === check.endpoint && inWindow(p.second, window)).sort((a, b) => a.second - b.second);
    let found: FirstBreach | null = null;
    for (const point of points) {
      const why = secondBreach(check, point);
      if (why !== null) {
        found = { second: point.second, check, why };
        break;
      }
    }
    if (found === null) {
      const second = Math.floor(window.startMs / 1000);
      found = { second, check, why: `no single second breached on its own; the ${check.phase} phase as a whole did (${check.why})` };
    }
    if (first === null || found.second < first.second) first = found;
  }
  return first;
}
