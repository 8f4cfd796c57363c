// Service-level objectives: what a scenario promises per phase, and the pure checks that judge
// a recording against them. Zero samples is inconclusive (nothing was measured), never a pass.

import { type FieldProblem, unknownFields } from '../fields.ts';
import { type CheckResult, PHASES, type PhaseName, type SliceStats } from '../types.ts';
import { DEFAULT_CONFIDENCE, type Interval, intervalNote, judgeInterval, marginInSe, wilsonInterval } from './interval.ts';

export interface AvailabilitySlo {
  kind: 'availability';
  endpoint: string;
  /** minimum share of (ok + degraded) / all requests, 0..1 */
  min: number;
  /** phases this SLO holds in; default all three */
  phases?: PhaseName[];
  /** judged on requests of this x-priority only (e.g. 'critical'); default: every priority */
  priority?: string;
}

export interface LatencySlo {
  kind: 'latency';
  endpoint: string;
  /** percentile, 0 < p <= 100 */
  p: number;
  maxMs: number;
  phases?: PhaseName[];
  priority?: string;
}

export type SloSpec = AvailabilitySlo | LatencySlo;

export const availability = (o: Omit<AvailabilitySlo, 'kind'>): AvailabilitySlo => ({ kind: 'availability', ...o });
export const latency = (o: Omit<LatencySlo, 'kind'>): LatencySlo => ({ kind: 'latency', ...o });

export const SLO_KINDS = ['availability', 'latency'] as const;
const SLO_FIELDS = {
  availability: ['kind', 'endpoint', 'min', 'phases', 'priority'] satisfies (keyof AvailabilitySlo)[],
  latency: ['kind', 'endpoint', 'p', 'maxMs', 'phases', 'priority'] satisfies (keyof LatencySlo)[],
} as const;

/** Field problems of one SLO entry, empty when it is valid. */
export function validateSlo(raw: unknown, endpoints: readonly string[], priorities: readonly string[]): FieldProblem[] {
  const out: FieldProblem[] = [];
  if (typeof raw !== 'object' || raw === null) return [{ field: 'kind', text: `must be made by slo.availability(...) or slo.latency(...)` }];
  const s = raw as Record<string, unknown>;
  if (!SLO_KINDS.includes(s.kind as (typeof SLO_KINDS)[number]))
    return [{ field: 'kind', text: `${JSON.stringify(s.kind)} is not an SLO kind; kinds are: ${SLO_KINDS.join(', ')}` }];
  out.push(...unknownFields(s, SLO_FIELDS[s.kind as SloSpec['kind']], `a ${s.kind} SLO`));
  if (typeof s.endpoint !== 'string' || !endpoints.includes(s.endpoint))
    out.push({ field: 'endpoint', text: `${JSON.stringify(s.endpoint)} is not an endpoint; endpoints are: ${endpoints.join(', ')}` });
  if (s.phases !== undefined) {
    if (!Array.isArray(s.phases) || s.phases.length === 0) out.push({ field: 'phases', text: `must be a non-empty list of ${PHASES.join(', ')}` });
    else
      s.phases.forEach((p, i) => {
        if (!PHASES.includes(p as PhaseName))
          out.push({ field: `phases[${i}]`, text: `${JSON.stringify(p)} is not a phase; phases are: ${PHASES.join(', ')}` });
      });
  }
  if (s.priority !== undefined && !priorities.includes(s.priority as string))
    out.push({
      field: 'priority',
      text: `${JSON.stringify(s.priority)} is not a priority; ${priorities.length ? `priorities are: ${priorities.join(', ')}` : 'this system has no priorities'}`,
    });
  if (s.kind === 'availability' && (typeof s.min !== 'number' || !(s.min > 0 && s.min <= 1)))
    out.push({ field: 'min', text: `${JSON.stringify(s.min)} must be a share in (0, 1], e.g. 0.995` });
  if (s.kind === 'latency') {
    if (typeof s.p !== 'number' || !(s.p > 0 && s.p <= 100)) out.push({ field: 'p', text: `${JSON.stringify(s.p)} must be a percentile in (0, 100], e.g. 99` });
    if (typeof s.maxMs !== 'number' || !(s.maxMs > 0))
      out.push({ field: 'maxMs', text: `${JSON.stringify(s.maxMs)} must be a positive number of milliseconds` });
  }
  return out;
}

export function sloName(slo: SloSpec): string {
  const name = slo.kind === 'availability' ? `availability >= ${slo.min}` : `p${slo.p} latency <= ${slo.maxMs} ms`;
  return slo.priority === undefined ? name : `${name} (${slo.priority})`;
}

/**
 * Judges one SLO in one phase against the slice of the recording for its endpoint. `status` is the
 * point estimate's verdict (what a run always reported); the interval at `confidence` says whether
 * a repeat could flip it (`marginal`).
 */
export function checkSlo(slo: SloSpec, phase: PhaseName, stats: SliceStats, confidence = DEFAULT_CONFIDENCE): CheckResult {
  const base = {
    kind: 'slo' as const,
    name: sloName(slo),
    phase,
    endpoint: slo.endpoint,
    id: `slo:${slo.kind}:${slo.endpoint}:${phase}${slo.priority === undefined ? '' : `:${slo.priority}`}`,
  };
  const counts = `${stats.ok} ok, ${stats.degraded} degraded, ${stats.error} error`;
  if (stats.total === 0) {
    const threshold = slo.kind === 'availability' ? slo.min : slo.maxMs;
    return {
      ...base,
      status: 'inconclusive',
      measured: null,
      threshold,
      unit: slo.kind === 'availability' ? 'ratio' : 'ms',
      why: `no ${slo.priority === undefined ? '' : `${slo.priority} `}samples for ${slo.endpoint} in the ${phase} phase: nothing was measured, so nothing is proven`,
    };
  }
  if (slo.kind === 'availability') {
    const measured = (stats.ok + stats.degraded) / stats.total;
    const ok = measured >= slo.min;
    const interval = wilsonInterval(stats.ok + stats.degraded, stats.total, confidence) as Interval;
    return {
      ...base,
      status: ok ? 'pass' : 'fail',
      measured: round(measured, 4),
      threshold: slo.min,
      unit: 'ratio',
      ...judged(interval, measured, slo.min, true),
      why: `${(measured * 100).toFixed(2)}% of ${stats.total} requests answered (${counts}); ${ok ? 'at or above' : 'below'} the ${(slo.min * 100).toFixed(2)}% objective; ${intervalNote(interval, slo.min, true)}`,
    };
  }
  const measured = stats.latencyAtMs(slo.p) as number;
  const ok = measured <= slo.maxMs;
  const interval = stats.latencyInterval(slo.p, confidence) as Interval;
  return {
    ...base,
    status: ok ? 'pass' : 'fail',
    measured: round(measured, 1),
    threshold: slo.maxMs,
    unit: 'ms',
    ...judged(interval, measured, slo.maxMs, false),
    why: `p${slo.p} was ${measured.toFixed(1)} ms over ${stats.total} requests (${counts}); ${ok ? 'within' : 'over'} the ${slo.maxMs} ms objective; ${intervalNote(interval, slo.maxMs, false, 1)}`,
  };
}

/** The interval fields of a check: the interval, whether it straddles, and the margin in standard errors. */
export function judged(interval: Interval, measured: number, objective: number, atLeast: boolean): Pick<CheckResult, 'interval' | 'marginal' | 'marginSe'> {
  const margin = marginInSe(interval, measured, objective, atLeast);
  return {
    interval,
    marginal: judgeInterval(interval, objective, atLeast) === 'marginal',
    ...(margin === null || !Number.isFinite(margin) ? {} : { marginSe: round(margin, 2) }),
  };
}

const round = (v: number, digits: number): number => Number(v.toFixed(digits));
