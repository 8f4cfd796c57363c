// The judgement of one phase while the load still runs: the same checks the verdict makes, over the
// phase's window so far, each either decided (its interval clear of the objective) or open. The
// harness ends an adaptive phase when nothing is open (harness/phases.ts). Pure: slices in, checks
// out. Only the checks that belong to the phase judge it; the blast-radius matrix and the system's
// own checks are judged once, at the end, over whatever length the phase checks needed.

import type { Scenario } from '../scenario.ts';
import { ANY_SOURCE, type CheckResult, type PhaseName, type SliceFilter, type SliceStats } from '../types.ts';
import { breakerOpensCheck, type CascadeSeries, type MetricSnapshot, retryAmplificationCheck } from './cascade.ts';
import { measureRecovery, recoveryCheck } from './recovery.ts';
import { type Statuses, shedCheck } from './shedding.ts';
import { checkSlo } from './slo.ts';

export interface LiveInput {
  scenario: Pick<Scenario, 'slos' | 'cascade' | 'blastRadius'>;
  phase: PhaseName;
  /** the phase's window so far on the load clock (end: requests started before it have all come back) */
  fromMs: number;
  toMs: number;
  stats: (filter: SliceFilter) => SliceStats;
  statuses: (filter: SliceFilter) => Statuses;
  snapshots: readonly MetricSnapshot[];
  series: CascadeSeries;
  confidence: number;
}

export interface LiveJudgement {
  checks: CheckResult[];
  /** every check of the phase is decided: the phase may end */
  decided: boolean;
  /** checks decided failing: no longer sample can make them pass (abortOnFail ends the run on one) */
  failing: CheckResult[];
  /** checks still open, with why */
  open: CheckResult[];
}

export function judgePhaseLive(input: LiveInput): LiveJudgement {
  const { scenario, phase, fromMs, toMs, confidence } = input;
  const victims = scenario.blastRadius?.tenants ?? [];
  // one slice per filter per look: an endpoint's availability and latency SLOs, and the recovery
  // check's windows, ask for the same slices (each a scan of the recording and a sort)
  const slices = new Map<string, SliceStats>();
  const stats = (filter: SliceFilter): SliceStats => {
    const f = filter.tenant === undefined && victims.length > 0 ? { ...filter, excludeTenants: victims } : filter;
    const key = JSON.stringify(f);
    let s = slices.get(key);
    if (s === undefined) slices.set(key, (s = input.stats(f)));
    return s;
  };
  const window = [{ name: phase, startMs: fromMs, endMs: toMs }];
  const checks: { check: CheckResult; decided: boolean; failing: boolean }[] = [];
  const interval = (check: CheckResult): void => {
    const decided = check.status !== 'inconclusive' && check.marginal !== true;
    checks.push({ check, decided, failing: decided && check.status === 'fail' });
  };
  for (const slo of scenario.slos)
    if ((slo.phases ?? ['baseline', 'fault', 'recovery']).includes(phase))
      interval(checkSlo(slo, phase, stats({ endpoint: slo.endpoint, fromMs, toMs, ...(slo.priority ? { priority: slo.priority } : {}) }), confidence));
  for (const c of scenario.cascade ?? []) {
    if (c.kind === 'recovery') {
      if (phase !== 'recovery') continue;
      // decided once it has recovered within its bound; not recovered yet is open, not failing
      const check = recoveryCheck(c, measureRecovery(stats, c.endpoint, fromMs, toMs, scenario.slos));
      checks.push({ check, decided: check.status === 'pass', failing: false });
    } else if ((c.phase ?? 'fault') !== phase) {
    } else if (c.kind === 'shed') interval(shedCheck(c, input.statuses({ fromMs, toMs, priority: c.priority, source: ANY_SOURCE }), confidence));
    else if (c.kind === 'retry-amplification') interval(retryAmplificationCheck(c, input.snapshots, window, input.series, confidence));
    else {
      // openings only add up: a min reached is decided, a max passed is decided failing
      const check = breakerOpensCheck(c, input.snapshots, window, input.series);
      const over = c.max !== undefined && check.measured !== null && check.measured > c.max;
      const reached = c.max === undefined && check.status === 'pass';
      checks.push({ check, decided: over || reached, failing: over });
    }
  }
  return {
    checks: checks.map((c) => c.check),
    decided: checks.every((c) => c.decided),
    failing: checks.filter((c) => c.failing).map((c) => c.check),
    open: checks.filter((c) => !c.decided).map((c) => c.check),
  };
}
