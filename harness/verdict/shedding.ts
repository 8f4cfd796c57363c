// Load shedding, judged from the client's side: under overload, were the requests of a low
// priority refused the way a well-behaved edge refuses them — 503 at once, with Retry-After, so
// clients back off instead of hammering — and were enough of them refused to matter? Counted over
// every request of that priority in the phase, the base load and a load spike's own traffic alike
// (the spike's refusals are the shedding). Pure: status counts in, one check out.

import { type FieldProblem, unknownFields } from '../fields.ts';
import { type CheckResult, PHASES, type PhaseName } from '../types.ts';
import { DEFAULT_CONFIDENCE, type Interval, intervalNote, wilsonInterval } from './interval.ts';
import { judged } from './slo.ts';

export interface ShedSpec {
  kind: 'shed';
  /** the priority that must be shed, e.g. 'background' */
  priority: string;
  /** least share of its requests in the phase answered 503 with Retry-After, 0..1 */
  minShare: number;
  /** default: 'fault' */
  phase?: PhaseName;
}

export const sheds = (o: Omit<ShedSpec, 'kind'>): ShedSpec => ({ kind: 'shed', ...o });

export function validateShed(raw: Record<string, unknown>, priorities: readonly string[]): FieldProblem[] {
  const out: FieldProblem[] = unknownFields(raw, ['kind', 'priority', 'minShare', 'phase'], 'sheds');
  if (!priorities.includes(raw.priority as string))
    out.push({
      field: 'priority',
      text: `${JSON.stringify(raw.priority)} is not a priority; ${priorities.length ? `priorities are: ${priorities.join(', ')}` : 'this system has no priorities'}`,
    });
  if (typeof raw.minShare !== 'number' || !(raw.minShare > 0 && raw.minShare <= 1))
    out.push({ field: 'minShare', text: `${JSON.stringify(raw.minShare)} must be a share in (0, 1], e.g. 0.3` });
  if (raw.phase !== undefined && !PHASES.includes(raw.phase as PhaseName))
    out.push({ field: 'phase', text: `${JSON.stringify(raw.phase)} is not a phase; phases are: ${PHASES.join(', ')}` });
  return out;
}

/** HTTP status (0: no answer) -> answers with it, and how many of those carried Retry-After. */
export type Statuses = Readonly<Record<number, { count: number; retryAfter: number }>>;

export function shedCheck(spec: ShedSpec, statuses: Statuses, confidence = DEFAULT_CONFIDENCE): CheckResult {
  const phase = spec.phase ?? 'fault';
  const base = {
    id: `cascade:shed:${spec.priority}:${phase}`,
    kind: 'cascade' as const,
    name: `${spec.priority} shed with 503 + Retry-After >= ${spec.minShare}`,
    phase,
    threshold: spec.minShare,
    unit: 'share shed',
  };
  const total = Object.values(statuses).reduce((a, s) => a + s.count, 0);
  const unavailable = statuses[503] ?? { count: 0, retryAfter: 0 };
  const withoutRetryAfter = unavailable.count - unavailable.retryAfter;
  if (total === 0)
    return { ...base, status: 'inconclusive', measured: null, why: `no ${spec.priority} requests in the ${phase} phase: shedding was not measured` };
  const share = unavailable.retryAfter / total;
  const enough = share >= spec.minShare;
  const interval = wilsonInterval(unavailable.retryAfter, total, confidence) as Interval;
  const counts = `${unavailable.retryAfter} of ${total} ${spec.priority} requests in the ${phase} phase were refused with 503 + Retry-After (${(share * 100).toFixed(1)}%)`;
  if (withoutRetryAfter > 0)
    return {
      ...base,
      status: 'fail',
      measured: Number(share.toFixed(4)),
      why: `${counts}, but ${withoutRetryAfter} 503 answers carried no Retry-After: clients are not told when to come back, so they retry at once`,
    };
  return {
    ...base,
    status: enough ? 'pass' : 'fail',
    measured: Number(share.toFixed(4)),
    ...judged(interval, share, spec.minShare, true),
    why: `${counts}; ${enough ? 'at or above' : 'below'} the ${(spec.minShare * 100).toFixed(0)}% the overload calls for${enough ? '' : ': the edge did not shed the lowest priority'}; ${intervalNote(interval, spec.minShare, true)}`,
  };
}
