// The cascade figures of a run, from the services' counters at its end (the shop: calls and retries
// per dependency, breaker transitions by dependency and state entered, fallbacks, shed requests…),
// titled and split into rows as the system's declaration shows them (result.metricsShown). Per
// phase, from result.phaseCounters. Pure: data in, rows out.

import { PHASES, type PhaseCounter, type PhaseName, type RunResult } from '../types.ts';

export interface CascadeRow {
  service: string;
  figure: string;
  value: number;
}

/** How a counter family is shown: its title and the labels that split it into rows (joined by →), as the system declares. */
export interface ShownSeries {
  series: string;
  by: readonly string[];
  title: string;
}

const labelOf = (series: string, label: string): string | undefined => new RegExp(`[{,]${label}="([^"]*)"`).exec(series)?.[1];

/**
 * The row a series adds to, `<title> <label values joined by →>`, with its family's place; null: not
 * shown. A system that declares nothing to show gets every kept series as its own row.
 */
function figureOf(series: string, shown: readonly ShownSeries[]): { figure: string; family: number } | null {
  if (shown.length === 0) return { figure: series, family: 0 };
  const family = shown.findIndex(({ series: name }) => series === name || series.startsWith(`${name}{`));
  if (family === -1) return null;
  const { by, title } = shown[family] as ShownSeries;
  const key = by.map((l) => labelOf(series, l) ?? 'any').join(' → ');
  return { figure: key === '' ? title : `${title} ${key}`, family };
}

/** Sums values into rows keyed by service and figure, in service, family and figure order. */
function grouped<T>(
  entries: Iterable<{ service: string; series: string; value: T }>,
  shown: readonly ShownSeries[],
  add: (into: T | undefined, value: T) => T,
): { service: string; figure: string; value: T }[] {
  const rows = new Map<string, { service: string; figure: string; family: number; value: T }>();
  for (const { service, series, value } of entries) {
    const f = figureOf(series, shown);
    if (f === null) continue;
    const key = JSON.stringify([service, f.figure]);
    const row = rows.get(key);
    rows.set(key, { service, figure: f.figure, family: f.family, value: add(row?.value, value) });
  }
  return [...rows.values()]
    .sort((a, b) => a.service.localeCompare(b.service) || a.family - b.family || a.figure.localeCompare(b.figure))
    .map(({ service, figure, value }) => ({ service, figure, value }));
}

export function cascadeFigures(metrics: RunResult['metrics'], shown: readonly ShownSeries[] = []): CascadeRow[] {
  const entries = Object.entries(metrics).flatMap(([service, values]) => Object.entries(values).map(([series, value]) => ({ service, series, value })));
  return grouped(entries, shown, (into: number | undefined, value: number) => (into ?? 0) + value);
}

export interface PhaseCascadeRow {
  service: string;
  figure: string;
  /** the increase in each phase; a phase absent was not measured */
  byPhase: Partial<Record<PhaseName, number>>;
}

/** result.phaseCounters as rows of service × figure with a count per phase (breaker, shed, rate-limited). */
export function phaseCascadeFigures(counters: readonly PhaseCounter[], shown: readonly ShownSeries[] = []): PhaseCascadeRow[] {
  const entries = counters.map((c) => ({ service: c.service, series: c.series, value: { [c.phase]: c.increase } as Partial<Record<PhaseName, number>> }));
  const merge = (into: Partial<Record<PhaseName, number>> | undefined, value: Partial<Record<PhaseName, number>>): Partial<Record<PhaseName, number>> => {
    const out = { ...into };
    for (const phase of PHASES) if (value[phase] !== undefined) out[phase] = (out[phase] ?? 0) + value[phase];
    return out;
  };
  return grouped(entries, shown, merge).map(({ service, figure, value }) => ({ service, figure, byPhase: value }));
}
