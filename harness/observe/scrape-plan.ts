// Which instances the scraper asks every second: those whose counters a retry amplification check
// reads second by second (its ratio interval pairs per-second counts). For each such check on a
// dependency: every instance of a part with an edge to it (its calls and retries are counted
// there), the entry part's instances when it is judged per request (the denominator), and any
// other instance seen counting calls to it (a caller the edges do not show); and only while a
// phase such a check judges runs (everySecondPhases: the fault phase, unless a check names
// another), since no per-second pair outside its phase is ever read. Every other counter is read
// over phase windows only (breaker openings, the report's phase counters), which the boundary
// scrapes mark exactly (scraper.ts). Pure: system and checks in, a predicate out.

import type { CascadeSpec } from '../scenario.ts';
import type { System } from '../system/system.ts';
import type { FaultRecord, PhaseName } from '../types.ts';

export type EverySecond = (instance: string, values: Readonly<Record<string, number>>) => boolean;

export function everySecondFor(system: Pick<System, 'edges' | 'instances' | 'entry' | 'metrics'>, cascade: readonly CascadeSpec[]): EverySecond {
  const checks = cascade.filter((c) => c.kind === 'retry-amplification');
  if (checks.length === 0) return () => false;
  const parts = new Set<string>();
  for (const c of checks) {
    for (const e of system.edges) if (e.to === c.dependency) parts.add(e.from);
    if (c.per !== 'call') parts.add(system.entry);
  }
  const named = new Set(system.instances.filter((i) => parts.has(i.part)).map((i) => i.name));
  const series = system.metrics?.series;
  const families = [series?.calls, series?.retries].filter((f): f is string => f !== undefined);
  const labels = checks.map((c) => `dependency="${c.dependency}"`);
  const counts = (key: string): boolean => families.some((f) => key.startsWith(`${f}{`)) && labels.some((l) => key.includes(l));
  return (instance, values) => named.has(instance) || Object.keys(values).some(counts);
}

/** The phases in which the per-second instances are asked every second: those a retry amplification check judges. */
export function everySecondPhases(cascade: readonly CascadeSpec[]): ReadonlySet<PhaseName> {
  return new Set(cascade.flatMap((c) => (c.kind === 'retry-amplification' ? [c.phase ?? 'fault'] : [])));
}

/** The phase a run is in now, from its faults' records: no fault applied yet, one in force, every one removed. */
export function phaseNow(faults: readonly Pick<FaultRecord, 'appliedAtMs' | 'removedAtMs'>[]): PhaseName {
  if (faults.every((f) => f.appliedAtMs === null)) return 'baseline';
  return faults.every((f) => f.removedAtMs !== null) ? 'recovery' : 'fault';
}
