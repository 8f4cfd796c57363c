// Blast radius: the matrix endpoint x tenant x phase. Every cell is judged against the SLOs of
// its endpoint; every cell outside `mayBreach` (endpoints) and `tenants` must hold. A cell with an
// objective but no samples proves nothing, so it makes the check inconclusive rather than passing
// it. Cells hold the base load's samples only: a load-shaped fault's own traffic (a tenant's
// flood, its poison pills, a spike) is the fault, not a victim, so it never counts against a
// cell; it is shown in the fault's proof instead. An SLO with a priority judges only the cell's
// requests of that priority.

import { type BlastCell, type CheckResult, PHASES, type SliceFilter, type SliceStats } from '../types.ts';
import { MARGINAL_NOTE } from './interval.ts';
import { checkSlo, type SloSpec, sloName } from './slo.ts';

export interface BlastRadiusSpec {
  /** endpoints allowed to breach their SLOs (the path the fault is aimed at) */
  mayBreach?: string[];
  /** tenants allowed to breach (the noisy or poisoning tenant); every other tenant's cells must hold */
  tenants?: string[];
}

export interface MatrixInput {
  slos: readonly SloSpec[];
  endpoints: readonly string[];
  tenants: readonly string[];
  stats: (filter: SliceFilter) => SliceStats;
  spec?: BlastRadiusSpec;
  /** the intervals' confidence; default 0.95 */
  confidence?: number;
}

export function blastRadiusMatrix({ slos, endpoints, tenants, stats, spec, confidence }: MatrixInput): BlastCell[] {
  const cells: BlastCell[] = [];
  for (const endpoint of endpoints)
    for (const tenant of tenants)
      for (const phase of PHASES) {
        const s = stats({ phase, endpoint, tenant });
        const objectives = slos.filter((o) => o.endpoint === endpoint && (o.phases ?? PHASES).includes(phase));
        const slices = objectives.map((o) => ({ o, s: o.priority === undefined ? s : stats({ phase, endpoint, tenant, priority: o.priority }) }));
        const unmeasured = s.total === 0 || slices.some((x) => x.s.total === 0);
        const results = unmeasured ? [] : slices.map((x) => checkSlo(x.o, phase, x.s, confidence));
        const failing = results.filter((r) => r.status !== 'pass');
        const breached = failing.map((r) => `${r.name} (measured ${r.measured})`);
        // a breached cell is marginal only if every SLO it breaches is; a cell that holds is marginal if any SLO held
        // by its point estimate alone (a p99 bound that 110 samples cannot give does not soften a decided 0 % availability)
        const marginal = failing.length > 0 ? failing.every((r) => r.marginal === true) : results.some((r) => r.marginal === true);
        cells.push({
          endpoint,
          tenant,
          phase,
          ok: s.ok,
          degraded: s.degraded,
          error: s.error,
          availability: s.total === 0 ? null : Number(((s.ok + s.degraded) / s.total).toFixed(4)),
          p99Ms: s.latencyAtMs(99),
          holds: objectives.length === 0 || unmeasured ? null : breached.length === 0,
          breached,
          mayBreach: (spec?.mayBreach?.includes(endpoint) ?? false) || (spec?.tenants?.includes(tenant) ?? false),
          ...(marginal ? { marginal: true } : {}),
        });
      }
  return cells;
}

export function blastRadiusCheck(cells: readonly BlastCell[], slos: readonly SloSpec[]): CheckResult {
  const guarded = cells.filter((c) => !c.mayBreach && slos.some((o) => o.endpoint === c.endpoint && (o.phases ?? PHASES).includes(c.phase)));
  const breaches = guarded.filter((c) => c.holds === false);
  const empty = guarded.filter((c) => c.holds === null);
  const base = {
    id: 'blast-radius',
    kind: 'blast-radius' as const,
    name: 'blast radius: cells outside mayBreach hold their SLOs',
    unit: 'cells breached',
    threshold: 0,
  };
  const allowed = cells.filter((c) => c.mayBreach && c.holds === false).length;
  const allowedNote = allowed > 0 ? `; ${allowed} cells allowed to breach (mayBreach) did` : '';
  const where = (c: BlastCell): string => `${c.endpoint} / ${c.tenant} / ${c.phase}`;
  if (guarded.length === 0)
    return { ...base, status: 'inconclusive', measured: null, why: 'no cell has an objective outside mayBreach: the blast radius was not measured' };
  // a breach decided by its interval cannot flip on a repeat; one that only the point estimate made can
  const decidedBreaches = breaches.filter((c) => c.marginal !== true);
  const marginalHolds = guarded.filter((c) => c.holds === true && c.marginal === true);
  if (breaches.length > 0)
    return {
      ...base,
      status: 'fail',
      marginal: decidedBreaches.length === 0,
      measured: breaches.length,
      why: `${breaches.length} of ${guarded.length} cells breached: ${breaches
        .slice(0, 4)
        .map((c) => `${where(c)}: ${c.breached.join(', ')}`)
        .join(
          '; ',
        )}${breaches.length > 4 ? '; …' : ''}${decidedBreaches.length === 0 ? `; every breach is within its interval's reach of the objective: ${MARGINAL_NOTE}` : ''}`,
    };
  if (empty.length > 0)
    return {
      ...base,
      status: 'inconclusive',
      measured: 0,
      why: `${empty.length} of ${guarded.length} cells had no samples (${empty.slice(0, 3).map(where).join('; ')}): nothing proves they held`,
    };
  return {
    ...base,
    status: 'pass',
    measured: 0,
    marginal: marginalHolds.length > 0,
    why: `all ${guarded.length} cells (endpoint x tenant x phase) outside mayBreach held ${[...new Set(slos.map(sloName))].join(' and ')}${allowedNote}${
      marginalHolds.length > 0
        ? `; ${marginalHolds.length} held by their point estimate only (${marginalHolds.slice(0, 3).map(where).join('; ')}): ${MARGINAL_NOTE}`
        : ''
    }`,
  };
}
