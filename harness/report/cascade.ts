// The cascade figures of a run, from the services' counters at its end: calls and retries per
// dependency, retry budget exhaustion, breaker transitions, fallbacks, shed / rate-limited /
// bulkhead-rejected / quarantined requests, replica ejections. Breaker transitions are split by
// dependency and state entered (a service with two breakers shows both). Per phase, from
// result.phaseCounters: breaker transitions, shed and rate-limited requests. Pure: data in, rows out.

import { PHASES, type PhaseCounter, type PhaseName, type RunResult } from '../types.ts';

export interface CascadeRow {
  service: string;
  figure: string;
  value: number;
}

/** Counter families worth showing, the labels that split each into rows (joined by →), and a title. */
const FAMILIES: readonly [name: string, labels: readonly string[], title: string][] = [
  ['dependency_calls_total', ['dependency'], 'calls to'],
  ['dependency_retries_total', ['dependency'], 'retries to'],
  ['retry_budget_exhausted_total', ['dependency'], 'retry budget exhausted for'],
  ['breaker_transitions_total', ['dependency', 'to'], 'breaker transitions'],
  ['fallbacks_total', ['reason'], 'fallback answers'],
  ['deadline_exceeded_total', [], 'dropped past deadline'],
  ['shed_total', ['priority'], 'shed'],
  ['rate_limited_total', ['tenant'], 'rate limited'],
  ['bulkhead_rejected_total', [], 'bulkhead rejected'],
  ['quarantined_total', [], 'quarantined'],
  ['replica_ejections_total', [], 'replica ejections'],
];

const labelOf = (series: string, label: string): string | undefined => new RegExp(`[{,]${label}="([^"]*)"`).exec(series)?.[1];

/** The row a series adds to, `<title> <label values joined by →>`, with its family's place; null: not shown. */
function figureOf(series: string): { figure: string; family: number } | null {
  const family = FAMILIES.findIndex(([name]) => series === name || series.startsWith(`${name}{`));
  if (family === -1) return null;
  const [, labels, title] = FAMILIES[family] as (typeof FAMILIES)[number];
  const key = labels.map((l) => labelOf(series, l) ?? 'any').join(' → ');
  return { figure: key === '' ? title : `${title} ${key}`, family };
}

/** Sums values into rows keyed by service and figure, in service, family and figure order. */
function grouped<T>(entries: Iterable<{ service: string; series: string; value: T }>, add: (into: T | undefined, value: T) => T): { service: string; figure: string; value: T }[] {
  const rows = new Map<string, { service: string; figure: string; family: number; value: T }>();
  for (const { service, series, value } of entries) {
    const f = figureOf(series);
    if (f === null) continue;
    const key = JSON.stringify([service, f.figure]);
    const row = rows.get(key);
    rows.set(key, { service, figure: f.figure, family: f.family, value: add(row?.value, value) });
  }
  return [...rows.values()]
    .sort((a, b) => a.service.localeCompare(b.service) || a.family - b.family || a.figure.localeCompare(b.figure))
    .map(({ service, figure, value }) => ({ service, figure, value }));
}

export function cascadeFigures(metrics: RunResult['metrics']): CascadeRow[] {
  const entries = Object.entries(metrics).flatMap(([service, values]) => Object.entries(values).map(([series, value]) => ({ service, series, value })));
  return grouped(entries, (into: number | undefined, value: number) => (into ?? 0) + value);
}

export interface PhaseCascadeRow {
  service: string;
  figure: string;
  /** the increase in each phase; a phase absent was not measured */
  byPhase: Partial<Record<PhaseName, number>>;
}

/** result.phaseCounters as rows of service × figure with a count per phase (breaker, shed, rate-limited). */
export function phaseCascadeFigures(counters: readonly PhaseCounter[]): PhaseCascadeRow[] {
  const entries = counters.map((c) => ({ service: c.service, series: c.series, value: { [c.phase]: c.increase } as Partial<Record<PhaseName, number>> }));
  const merge = (into: Partial<Record<PhaseName, number>> | undefined, value: Partial<Record<PhaseName, number>>): Partial<Record<PhaseName, number>> => {
    const out = { ...into };
    for (const phase of PHASES) if (value[phase] !== undefined) out[phase] = (out[phase] ?? 0) + value[phase];
    return out;
  };
  return grouped(entries, merge).map(({ service, figure, value }) => ({ service, figure, byPhase: value }));
}
