// Per-phase increases of the breaker, shed and rate-limited counters, from per-second snapshots.

import { describe, expect, it } from 'vitest';
import { phaseCounters } from '../../harness/observe/phase-counters.ts';
import type { PhaseWindow } from '../../harness/types.ts';
import type { MetricSnapshot } from '../../harness/verdict/cascade.ts';
import { shop } from '../helpers/systems.ts';

// the counters the shop declares in metrics.phaseCounters: breaker transitions, shed and rate-limited
const FAMILIES = shop.metrics!.phaseCounters;

const PHASES: PhaseWindow[] = [
  { name: 'baseline', startMs: 0, endMs: 3_000 },
  { name: 'fault', startMs: 3_000, endMs: 6_000 },
  { name: 'recovery', startMs: 6_000, endMs: 9_000 },
];
const SHED = 'shed_total{priority="background"}';
const snap = (tMs: number, values: Record<string, number>, service = 'gateway'): MetricSnapshot => ({ tMs, service, values });

describe('phaseCounters', () => {
  it('splits a counter’s rise over the phases, reading each edge from the last scrape at or before it', () => {
    const snapshots = [
      snap(10, {}),
      snap(2_990, { [SHED]: 1 }),
      snap(4_000, { [SHED]: 50 }),
      snap(5_990, { [SHED]: 130 }),
      snap(7_000, { [SHED]: 131 }),
      snap(9_150, { [SHED]: 131, 'http_requests_total{route="/"}': 900 }),
    ];
    expect(phaseCounters(snapshots, PHASES, FAMILIES)).toEqual([
      { phase: 'baseline', service: 'gateway', series: SHED, increase: 1 },
      { phase: 'fault', service: 'gateway', series: SHED, increase: 129 },
      { phase: 'recovery', service: 'gateway', series: SHED, increase: 1 },
    ]);
  });

  it('keeps services apart, counts the final scrape after the load in the last phase, and skips phases one service was not scraped around', () => {
    const open = 'breaker_transitions_total{dependency="postgres",to="open"}';
    const snapshots = [
      snap(0, { [open]: 0 }, 'catalog-2'),
      snap(0, {}, 'catalog-1'),
      snap(2_900, {}, 'catalog-1'),
      snap(5_000, { [open]: 3 }, 'catalog-1'),
      snap(9_400, { [open]: 5 }, 'catalog-1'),
      snap(9_400, { [open]: 1 }, 'catalog-2'),
    ];
    const rows = phaseCounters(snapshots, PHASES, FAMILIES);
    expect(rows.filter((r) => r.service === 'catalog-1').map((r) => [r.phase, r.increase])).toEqual([
      ['baseline', 0],
      ['fault', 3],
      ['recovery', 2],
    ]);
    expect(rows.filter((r) => r.service === 'catalog-2').map((r) => [r.phase, r.increase])).toEqual([['recovery', 1]]);
  });

  it('reads a drop between scrapes as a restarted service’s counter starting again from 0', () => {
    const snapshots = [snap(0, { [SHED]: 0 }), snap(3_500, { [SHED]: 40 }), snap(4_500, { [SHED]: 2 }), snap(6_000, { [SHED]: 7 })];
    expect(phaseCounters(snapshots, PHASES, FAMILIES).find((r) => r.phase === 'fault')?.increase).toBe(47);
  });

  it('counts only the families the system names', () => {
    const requests = (n: number) => ({ [SHED]: n, 'requests_total{route="/"}': n * 10 });
    const snapshots = [snap(0, requests(1)), snap(3_000, requests(3)), snap(6_000, requests(3)), snap(9_100, requests(7))];
    expect(phaseCounters(snapshots, PHASES, ['requests_total']).map((r) => [r.phase, r.series, r.increase])).toEqual([
      ['baseline', 'requests_total{route="/"}', 20],
      ['fault', 'requests_total{route="/"}', 0],
      ['recovery', 'requests_total{route="/"}', 40],
    ]);
    expect(phaseCounters(snapshots, PHASES, [])).toEqual([]);
  });

  it('records nothing for a phase without two scrapes around it, rather than a zero', () => {
    expect(phaseCounters([snap(100, { [SHED]: 4 })], PHASES, FAMILIES)).toEqual([]);
    expect(phaseCounters([], PHASES, FAMILIES)).toEqual([]);
  });
});
