// The counters whose timing matters — those the system's declaration names in metrics.phaseCounters
// (the shop: breaker transitions, shed and rate-limited requests) — as their increase in each phase,
// from the scrapes (result.json's phaseCounters, shown in the report's cascade section).
// Pure: snapshots and phase windows in, rows out.

import type { PhaseCounter, PhaseWindow } from '../types.ts';
import type { MetricSnapshot } from '../verdict/cascade.ts';

const familyOf = (series: string): string => series.slice(0, series.indexOf('{') === -1 ? undefined : series.indexOf('{'));

/**
 * Per service and phase, each kept series' value at the phase's end minus its value at its start,
 * each read from the last snapshot at or before that edge (the first snapshot stands in for a
 * start before it; the last phase runs to the final scrape). Adjacent phases so share their edge
 * snapshot and the phases' increases add up to the load's. The scraper reads every instance just
 * before and just after a fault is applied or removed, so the blur at an edge is the time the
 * application or removal took (a scrape that failed there: up to the 5 s between the others). A
 * series the service had not exposed yet (Prometheus clients show a labelled series from its first
 * increment) stood at 0; a phase with no two snapshots around it gets no
 * rows (not measured), never zeros. A restarted service's counters start again from 0: a drop
 * between two scrapes counts as a reset (the later value is the rise), as Prometheus' increase().
 */
export function phaseCounters(snapshots: readonly MetricSnapshot[], phases: readonly PhaseWindow[], families: readonly string[]): PhaseCounter[] {
  const rows: PhaseCounter[] = [];
  const lastEndMs = Math.max(...phases.map((p) => p.endMs));
  for (const service of [...new Set(snapshots.map((s) => s.service))].sort()) {
    const own = snapshots.filter((s) => s.service === service).sort((a, b) => a.tMs - b.tMs);
    const atOrBefore = (tMs: number): MetricSnapshot | undefined => own.findLast((s) => s.tMs <= tMs);
    // every kept series the service exposed during the run: one it had not exposed yet stood at 0
    const series = [...new Set(own.flatMap((s) => Object.keys(s.values)).filter((k) => families.includes(familyOf(k))))].sort();
    for (const window of phases) {
      const start = atOrBefore(window.startMs) ?? own[0];
      const end = window.endMs >= lastEndMs ? own[own.length - 1] : atOrBefore(window.endMs);
      if (start === undefined || end === undefined || end.tMs <= start.tMs) continue;
      const span = own.slice(own.indexOf(start), own.indexOf(end) + 1);
      for (const s of series) rows.push({ phase: window.name, service, series: s, increase: increase(span, s) });
    }
  }
  return rows;
}

/** Rise of one series over consecutive snapshots, a drop read as a counter reset. */
function increase(span: readonly MetricSnapshot[], series: string): number {
  let total = 0;
  for (let i = 1; i < span.length; i++) {
    const before = span[i - 1]?.values[series] ?? 0;
    const after = span[i]?.values[series] ?? 0;
    total += after >= before ? after - before : after;
  }
  return total;
}
