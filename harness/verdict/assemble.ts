// The whole verdict of one recorded run, assembled in one place: the SLO, fault and load checks
// (index.ts), the blast-radius matrix and its check, recovery, the cascade checks, and the checks
// the system makes itself (passed in, already run). Pure: the recording's slices, the fault
// records, the scrapes and the load figures in; checks and the figures the report draws out.

import type { Scenario } from '../scenario.ts';
import {
  ANY_SOURCE,
  type BlastCell,
  type CheckResult,
  type FaultRecord,
  type LoadFigures,
  type PhaseWindow,
  type RecoveryFigures,
  type SliceFilter,
  type SliceStats,
  type Verdict,
} from '../types.ts';
import { blastRadiusCheck, blastRadiusMatrix } from './blast-radius.ts';
import { breakerOpensCheck, type CascadeSeries, type MetricSnapshot, retryAmplificationCheck } from './cascade.ts';
import { applyStrict, judge, verdictOf } from './index.ts';
import { measureRecovery, recoveryCheck } from './recovery.ts';
import { type Statuses, shedCheck } from './shedding.ts';

export interface RecordedRun {
  scenario: Pick<Scenario, 'slos' | 'blastRadius' | 'cascade' | 'durationMs' | 'load'>;
  /** any slice of the recording (base load unless the filter says otherwise) */
  stats: (filter: SliceFilter) => SliceStats;
  /** answers by status in a slice (the shedding check) */
  statuses: (filter: SliceFilter) => Statuses;
  /** endpoints and tenants the base load was recorded for */
  endpoints: readonly string[];
  tenants: readonly string[];
  faults: readonly FaultRecord[];
  load: LoadFigures;
  phases: readonly PhaseWindow[];
  snapshots: readonly MetricSnapshot[];
  series: CascadeSeries;
  /** the system's own checks, already run */
  systemChecks: readonly CheckResult[];
  /** the intervals' confidence (default 0.95) */
  confidence?: number;
  /** count a marginal check as failed (--strict); default: by its point estimate */
  strict?: boolean;
}

export interface AssembledVerdict {
  verdict: Verdict;
  checks: CheckResult[];
  blastRadius: BlastCell[];
  recovery: RecoveryFigures[];
}

export function assembleVerdict(run: RecordedRun): AssembledVerdict {
  const { scenario, stats, phases, snapshots, series } = run;
  // The SLO and recovery checks judge the victims: tenants that blastRadius.tenants allows to
  // breach (the noisy or poisoning tenant) are left out of them; the matrix still shows their cells.
  const mayBreachTenants = scenario.blastRadius?.tenants ?? [];
  const victimStats = (f: SliceFilter): SliceStats =>
    stats(f.tenant === undefined && mayBreachTenants.length > 0 ? { ...f, excludeTenants: mayBreachTenants } : f);
  const checks = [
    ...judge({
      slos: scenario.slos,
      stats: victimStats,
      faults: run.faults,
      load: run.load,
      ...(run.confidence === undefined ? {} : { confidence: run.confidence }),
    }).checks,
    ...run.systemChecks,
  ];
  const endpoints = [...new Set([...Object.keys(scenario.load.mix), ...run.endpoints])];
  const blastRadius = blastRadiusMatrix({
    slos: scenario.slos,
    endpoints,
    tenants: run.tenants,
    stats,
    ...(scenario.blastRadius ? { spec: scenario.blastRadius } : {}),
    ...(run.confidence === undefined ? {} : { confidence: run.confidence }),
  });
  checks.push(blastRadiusCheck(blastRadius, scenario.slos));
  const removed = run.faults.map((r) => r.removedAtMs).filter((t): t is number => t !== null);
  const recovery =
    removed.length === 0
      ? []
      : [...new Set(scenario.slos.map((o) => o.endpoint))].map((e) =>
          measureRecovery(victimStats, e, Math.max(...removed), scenario.durationMs, scenario.slos),
        );
  for (const c of scenario.cascade ?? [])
    checks.push(
      c.kind === 'recovery'
        ? recoveryCheck(
            c,
            recovery.find((r) => r.endpoint === c.endpoint) ?? {
              endpoint: c.endpoint,
              removedAtMs: Math.max(0, ...removed),
              observedForMs: Math.max(0, scenario.durationMs - Math.max(0, ...removed)),
              recoveredAfterMs: null,
              undegradedAfterMs: null,
            },
          )
        : c.kind === 'shed'
          ? shedCheck(c, run.statuses({ phase: c.phase ?? 'fault', priority: c.priority, source: ANY_SOURCE }), run.confidence)
          : c.kind === 'breaker-opens'
            ? breakerOpensCheck(c, snapshots, phases, series)
            : retryAmplificationCheck(c, snapshots, phases, series, run.confidence),
    );
  const judged = applyStrict(checks, run.strict === true);
  return { verdict: verdictOf(judged), checks: judged, blastRadius, recovery };
}
