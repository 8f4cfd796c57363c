// The cascade figures of a run, from the services' counters at its end: calls and retries per
// dependency, retry budget exhaustion, breaker transitions, fallbacks, shed / rate-limited /
// bulkhead-rejected / quarantined requests, replica ejections. Pure: result.metrics in, rows out.

import type { RunResult } from '../types.ts';

export interface CascadeRow {
  service: string;
  figure: string;
  value: number;
}

/** Counter families worth showing, and the label that splits each into rows. */
const FAMILIES: readonly [name: string, label: string | null, title: string][] = [
  ['dependency_calls_total', 'dependency', 'calls to'],
  ['dependency_retries_total', 'dependency', 'retries to'],
  ['retry_budget_exhausted_total', 'dependency', 'retry budget exhausted for'],
  ['breaker_transitions_total', 'to', 'breaker transitions to'],
  ['fallbacks_total', 'reason', 'fallback answers'],
  ['deadline_exceeded_total', null, 'dropped past deadline'],
  ['shed_total', 'priority', 'shed'],
  ['rate_limited_total', 'tenant', 'rate limited'],
  ['bulkhead_rejected_total', null, 'bulkhead rejected'],
  ['quarantined_total', null, 'quarantined'],
  ['replica_ejections_total', null, 'replica ejections'],
];

const labelOf = (series: string, label: string): string | undefined => new RegExp(`[{,]${label}="([^"]*)"`).exec(series)?.[1];

export function cascadeFigures(metrics: RunResult['metrics']): CascadeRow[] {
  const rows: CascadeRow[] = [];
  for (const [service, values] of Object.entries(metrics).sort(([a], [b]) => a.localeCompare(b)))
    for (const [name, label, title] of FAMILIES) {
      const sums = new Map<string, number>();
      for (const [series, value] of Object.entries(values)) {
        if (series !== name && !series.startsWith(`${name}{`)) continue;
        const key = label === null ? '' : (labelOf(series, label) ?? 'any');
        sums.set(key, (sums.get(key) ?? 0) + value);
      }
      for (const [key, value] of [...sums].sort(([a], [b]) => a.localeCompare(b))) rows.push({ service, figure: key === '' ? title : `${title} ${key}`, value });
    }
  return rows;
}
