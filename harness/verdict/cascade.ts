// Cascade: does a fault multiply itself? Retry amplification is the calls a dependency got per
// request the entry part served (per: 'request'), or per call its clients made, i.e. tries per call
// (per: 'call': attempts / (attempts - retries), which an open breaker cutting calls off does not
// move), over a phase, from the services' own counters (scraped during the run: observe/scraper.ts), read
// from the series the system's declaration names. Pure: snapshots in, a check out.

import type { CheckResult, PhaseName, PhaseWindow } from '../types.ts';
import { DEFAULT_CONFIDENCE, intervalNote, ratioInterval } from './interval.ts';
import { judged } from './slo.ts';

export interface MetricSnapshot {
  /** ms since load start */
  tMs: number;
  service: string;
  /** `name{labels}` -> value, as Prometheus exposes them */
  values: Record<string, number>;
}

export interface RetryAmplificationSpec {
  kind: 'retry-amplification';
  dependency: string;
  /** most dependency calls allowed per request the entry served (or per call, with per: 'call') */
  max: number;
  phase?: PhaseName;
  /** 'request' (default): calls per request the entry served; 'call': tries per call the clients made */
  per?: 'request' | 'call';
}

export const AMPLIFICATION_PER = ['request', 'call'] as const;

export const retryAmplification = (o: Omit<RetryAmplificationSpec, 'kind'>): RetryAmplificationSpec => ({ kind: 'retry-amplification', ...o });

/** Sums already taken, per snapshot's values (never changed once scraped): the live judge asks again every second. */
const sums = new WeakMap<Record<string, number>, Map<string, number>>();

/** Sum of every series of `name` whose labels include all of `labels`, in one snapshot. */
export function sumSeries(values: Record<string, number>, name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  const memoKey = `${name}\u0000${wanted.join(',')}`;
  let memo = sums.get(values);
  const known = memo?.get(memoKey);
  if (known !== undefined) return known;
  let sum = 0;
  for (const key in values) {
    const brace = key.indexOf('{');
    if (brace === -1 ? key !== name : brace !== name.length || !key.startsWith(name)) continue;
    if (wanted.every((w) => key.includes(w))) sum += values[key] as number;
  }
  if (memo === undefined) sums.set(values, (memo = new Map()));
  memo.set(memoKey, sum);
  return sum;
}

/** Increase of a counter (summed over services) between the snapshots nearest the window's edges. */
export function counterIncrease(
  snapshots: readonly MetricSnapshot[],
  window: PhaseWindow,
  name: string,
  labels: Record<string, string> = {},
  service?: string,
): number | null {
  const own = snapshots.filter((s) => service === undefined || s.service === service);
  const services = [...new Set(own.map((s) => s.service))];
  let total = 0;
  let seen = false;
  for (const svc of services) {
    const series = own.filter((s) => s.service === svc).sort((a, b) => a.tMs - b.tMs);
    const before = [...series].reverse().find((s) => s.tMs <= window.startMs) ?? series[0];
    const after = series.find((s) => s.tMs >= window.endMs) ?? series[series.length - 1];
    if (before === undefined || after === undefined || after.tMs <= before.tMs) continue;
    total += sumSeries(after.values, name, labels) - sumSeries(before.values, name, labels);
    seen = true;
  }
  return seen ? total : null;
}

/**
 * The same increase second by second: per service, each step between consecutive snapshots from
 * the one nearest the window's start to the one nearest its end, keyed by the second it ended in,
 * summed over services. The per-second pairs of two counters are what a ratio's interval needs.
 */
export function counterSeconds(
  snapshots: readonly MetricSnapshot[],
  window: PhaseWindow,
  name: string,
  labels: Record<string, string> = {},
  service?: string,
): Map<number, number> {
  const own = snapshots.filter((s) => service === undefined || s.service === service);
  const out = new Map<number, number>();
  for (const svc of new Set(own.map((s) => s.service))) {
    const series = own.filter((s) => s.service === svc).sort((a, b) => a.tMs - b.tMs);
    const before = [...series].reverse().find((s) => s.tMs <= window.startMs) ?? series[0];
    const after = series.find((s) => s.tMs >= window.endMs) ?? series[series.length - 1];
    if (before === undefined || after === undefined) continue;
    const span = series.filter((s) => s.tMs >= before.tMs && s.tMs <= after.tMs);
    for (let i = 1; i < span.length; i++) {
      const second = Math.round((span[i] as MetricSnapshot).tMs / 1000);
      const step = sumSeries((span[i] as MetricSnapshot).values, name, labels) - sumSeries((span[i - 1] as MetricSnapshot).values, name, labels);
      out.set(second, (out.get(second) ?? 0) + step);
    }
  }
  return out;
}

/** Pairs two per-second series on the seconds either has (a second one lacks counts 0). */
export function pairSeconds(y: Map<number, number>, x: Map<number, number>): { y: number; x: number }[] {
  return [...new Set([...y.keys(), ...x.keys()])].sort((a, b) => a - b).map((s) => ({ y: y.get(s) ?? 0, x: x.get(s) ?? 0 }));
}

/** The series the cascade checks read, as the system names them, and the part whose requests count. */
export interface CascadeSeries {
  requests?: string;
  calls?: string;
  retries?: string;
  breakerTransitions?: string;
  /** the entry part: its requests are the denominator of retry amplification per request */
  entry: string;
}

const notDeclared = (what: string): string => `the system declares no ${what} series, so this was not measured`;

export function retryAmplificationCheck(
  spec: RetryAmplificationSpec,
  snapshots: readonly MetricSnapshot[],
  phases: readonly PhaseWindow[],
  series: CascadeSeries,
  confidence = DEFAULT_CONFIDENCE,
): CheckResult {
  const phase = spec.phase ?? 'fault';
  const perCall = spec.per === 'call';
  const base = {
    id: `cascade:retry-amplification:${spec.dependency}:${phase}`,
    kind: 'cascade' as const,
    name: `retry amplification on ${spec.dependency} <= ${spec.max}${perCall ? ' tries per call' : ''}`,
    phase,
    threshold: spec.max,
    unit: perCall ? 'tries per call' : 'calls per request',
  };
  const window = phases.find((p) => p.name === phase);
  if (series.calls === undefined || (perCall ? series.retries === undefined : series.requests === undefined))
    return { ...base, status: 'inconclusive', measured: null, why: notDeclared(series.calls === undefined ? 'calls' : perCall ? 'retries' : 'requests') };
  const calls = window && counterIncrease(snapshots, window, series.calls, { dependency: spec.dependency });
  if (perCall) {
    const retries = window && counterIncrease(snapshots, window, series.retries as string, { dependency: spec.dependency });
    const first = calls === null || calls === undefined || retries === null || retries === undefined ? null : calls - retries;
    if (window === undefined || first === null || first <= 0)
      return {
        ...base,
        status: 'inconclusive',
        measured: null,
        why: `no calls to ${spec.dependency} measured in the ${phase} phase (attempts: ${calls ?? 'none'}, retries: ${retries ?? 'none'}): amplification was not measured`,
      };
    const tries = (calls as number) / first;
    const fine = tries <= spec.max;
    const attempts = counterSeconds(snapshots, window, series.calls, { dependency: spec.dependency });
    const retried = counterSeconds(snapshots, window, series.retries as string, { dependency: spec.dependency });
    const firsts = new Map([...attempts].map(([s, a]) => [s, a - (retried.get(s) ?? 0)]));
    return {
      ...base,
      status: fine ? 'pass' : 'fail',
      measured: Number(tries.toFixed(3)),
      ...ratioFields(pairSeconds(attempts, firsts), tries, spec.max, confidence),
      why: `${calls} attempts on ${spec.dependency} for ${first} calls (${retries} retries) in the ${phase} phase = ${tries.toFixed(2)} tries per call; ${fine ? 'within' : 'over'} the ${spec.max} bound${ratioNote(pairSeconds(attempts, firsts), spec.max, confidence)}`,
    };
  }
  const requests = window && counterIncrease(snapshots, window, series.requests as string, {}, series.entry);
  if (window === undefined || calls === null || calls === undefined || requests === null || requests === undefined || requests <= 0)
    return {
      ...base,
      status: 'inconclusive',
      measured: null,
      why: `no metrics covering the ${phase} phase (${series.entry} requests: ${requests ?? 'none'}, ${spec.dependency} calls: ${calls ?? 'none'}): amplification was not measured`,
    };
  const ratio = calls / requests;
  const ok = ratio <= spec.max;
  const pairs = pairSeconds(
    counterSeconds(snapshots, window, series.calls, { dependency: spec.dependency }),
    counterSeconds(snapshots, window, series.requests as string, {}, series.entry),
  );
  return {
    ...base,
    status: ok ? 'pass' : 'fail',
    measured: Number(ratio.toFixed(3)),
    ...ratioFields(pairs, ratio, spec.max, confidence),
    why: `${calls} calls to ${spec.dependency} for ${requests} ${series.entry} requests in the ${phase} phase = ${ratio.toFixed(2)} per request; ${ok ? 'within' : 'over'} the ${spec.max} bound${ratioNote(pairs, spec.max, confidence)}`,
  };
}

/** The interval fields of a ratio check; none when there are fewer than two seconds to judge from. */
function ratioFields(pairs: { y: number; x: number }[], measured: number, max: number, confidence: number): Partial<CheckResult> {
  const interval = ratioInterval(pairs, confidence);
  if (interval === null) return {};
  const { se: _se, ...plain } = interval;
  return judged(plain, measured, max, false);
}

function ratioNote(pairs: { y: number; x: number }[], max: number, confidence: number): string {
  const interval = ratioInterval(pairs, confidence);
  return interval === null ? '; too few seconds for an interval' : `; over ${pairs.length} seconds, ${intervalNote(interval, max, false, 3)}`;
}

export interface BreakerOpensSpec {
  kind: 'breaker-opens';
  dependency: string;
  /** fewest openings expected (1: the breaker must have acted) */
  min?: number;
  /** most openings allowed (a flapping breaker) */
  max?: number;
  phase?: PhaseName;
}

/** Breaker transitions as a check: how often the breakers around a dependency opened in a phase. */
export const breakerOpens = (o: Omit<BreakerOpensSpec, 'kind'>): BreakerOpensSpec => ({ kind: 'breaker-opens', ...o });

export function breakerOpensCheck(
  spec: BreakerOpensSpec,
  snapshots: readonly MetricSnapshot[],
  phases: readonly PhaseWindow[],
  series: CascadeSeries,
): CheckResult {
  const phase = spec.phase ?? 'fault';
  const bounds = [spec.min !== undefined ? `>= ${spec.min}` : '', spec.max !== undefined ? `<= ${spec.max}` : ''].filter(Boolean).join(' and ');
  const base = {
    id: `cascade:breaker-opens:${spec.dependency}:${phase}`,
    kind: 'cascade' as const,
    name: `breaker on ${spec.dependency} opens ${bounds} times`,
    phase,
    threshold: spec.min ?? spec.max ?? 0,
    unit: 'openings',
  };
  const window = phases.find((p) => p.name === phase);
  if (series.breakerTransitions === undefined || series.calls === undefined)
    return { ...base, status: 'inconclusive', measured: null, why: notDeclared(series.calls === undefined ? 'calls' : 'breakerTransitions') };
  const opens = window && counterIncrease(snapshots, window, series.breakerTransitions, { dependency: spec.dependency, to: 'open' });
  const calls = window && counterIncrease(snapshots, window, series.calls, { dependency: spec.dependency });
  if (window === undefined || opens === null || opens === undefined || calls === null || calls === undefined)
    return {
      ...base,
      status: 'inconclusive',
      measured: null,
      why: `no breaker or call counters for ${spec.dependency} covering the ${phase} phase: its breaker was not observed`,
    };
  const ok = (spec.min === undefined || opens >= spec.min) && (spec.max === undefined || opens <= spec.max);
  return {
    ...base,
    status: ok ? 'pass' : 'fail',
    measured: opens,
    why: `the breakers around ${spec.dependency} opened ${opens} times in the ${phase} phase (${calls} calls reached it); ${ok ? 'within' : 'outside'} ${bounds}`,
  };
}
