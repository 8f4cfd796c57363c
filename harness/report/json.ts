// result.json: the run as data, keys in the order harness/types.ts declares them whatever order
// the object was built in, so two runs diff line by line. The key tables below are typed against
// the interfaces: a field added to types.ts and not here is a compile error, not a silent drop.

import type {
  BlastCell,
  Breach,
  CheckResult,
  FaultRecord,
  LoadFigures,
  LogLine,
  PhaseCounter,
  PhaseSummary,
  PhaseWindow,
  RecoveryFigures,
  RunnerFigures,
  RunResult,
  SecondPoint,
} from '../types.ts';

type KeyOrder<T> = { readonly [K in keyof T]-?: true };

const RUN: KeyOrder<RunResult> = {
  runId: true,
  scenario: true,
  system: true,
  verdict: true,
  checks: true,
  phases: true,
  summaries: true,
  series: true,
  faults: true,
  load: true,
  metrics: true,
  metricsShown: true,
  phaseCounters: true,
  runtime: true,
  seed: true,
  disabled: true,
  startedAt: true,
  finishedAt: true,
  bootMs: true,
  wallMs: true,
  versions: true,
  replay: true,
  blastRadius: true,
  recovery: true,
  breach: true,
  allowedTargets: true,
  phaseEnds: true,
  judgement: true,
};
const CELL: KeyOrder<BlastCell> = {
  endpoint: true,
  tenant: true,
  phase: true,
  ok: true,
  degraded: true,
  error: true,
  availability: true,
  p99Ms: true,
  holds: true,
  breached: true,
  mayBreach: true,
  marginal: true,
};
const RECOVERY: KeyOrder<RecoveryFigures> = { endpoint: true, removedAtMs: true, observedForMs: true, recoveredAfterMs: true, undegradedAfterMs: true };
const SCENARIO: KeyOrder<RunResult['scenario']> = { name: true, description: true, file: true, protectedBy: true };
const CHECK: KeyOrder<CheckResult> = {
  id: true,
  kind: true,
  name: true,
  phase: true,
  endpoint: true,
  status: true,
  measured: true,
  threshold: true,
  unit: true,
  why: true,
  interval: true,
  marginal: true,
  marginSe: true,
};
const PHASE: KeyOrder<PhaseWindow> = { name: true, startMs: true, endMs: true };
const SUMMARY: KeyOrder<PhaseSummary> = {
  phase: true,
  endpoint: true,
  startMs: true,
  endMs: true,
  ok: true,
  degraded: true,
  error: true,
  availability: true,
  p50Ms: true,
  p95Ms: true,
  p99Ms: true,
  maxMs: true,
};
const POINT: KeyOrder<SecondPoint> = { second: true, endpoint: true, ok: true, degraded: true, error: true, p50Ms: true, p99Ms: true };
const FAULT: KeyOrder<FaultRecord> = {
  id: true,
  kind: true,
  target: true,
  description: true,
  scheduledAtMs: true,
  scheduledForMs: true,
  appliedAtMs: true,
  provenAtMs: true,
  removedAtMs: true,
  landed: true,
  evidence: true,
};
const BREACH: KeyOrder<Breach> = {
  second: true,
  checkId: true,
  checkName: true,
  phase: true,
  endpoint: true,
  why: true,
  fromMs: true,
  toMs: true,
  lines: true,
  omitted: true,
  files: true,
};
const LOG_LINE: KeyOrder<LogLine> = { tMs: true, source: true, level: true, text: true, repeats: true, lastTMs: true };
const PHASE_COUNTER: KeyOrder<PhaseCounter> = { phase: true, service: true, series: true, increase: true };
const LOAD: KeyOrder<LoadFigures> = {
  offeredRatePerSecond: true,
  durationMs: true,
  requestsSent: true,
  droppedIterations: true,
  k6ExitCode: true,
  stoppedAtMs: true,
  runners: true,
};
const RUNNER: KeyOrder<RunnerFigures> = { runner: true, segment: true, requests: true, exitCode: true, startedAfterMs: true };

/** A copy of `value` holding the keys of `order`, in that order; absent optional keys stay absent. */
function pick<T extends object>(value: T, order: KeyOrder<T>): T {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(order)) {
    const v = (value as Record<string, unknown>)[key];
    if (v !== undefined) out[key] = v;
  }
  return out as T;
}

/** Maps keyed by names (services, metric lines, tools) have no declared order: sort them. */
function sortedRecord<V>(record: Record<string, V>, map: (v: V) => V = (v) => v): Record<string, V> {
  return Object.fromEntries(
    Object.keys(record)
      .sort()
      .map((k) => [k, map(record[k] as V)]),
  );
}

/** The result with every object's keys in declared order (records sorted by key). */
export function orderedResult(result: RunResult): RunResult {
  return {
    ...pick(result, RUN),
    scenario: pick(result.scenario, SCENARIO),
    checks: result.checks.map((c) => pick(c, CHECK)),
    phases: result.phases.map((p) => pick(p, PHASE)),
    summaries: result.summaries.map((s) => pick(s, SUMMARY)),
    series: result.series.map((p) => pick(p, POINT)),
    faults: result.faults.map((f) => pick(f, FAULT)),
    load: pick({ ...result.load, ...(result.load.runners ? { runners: result.load.runners.map((r) => pick(r, RUNNER)) } : {}) }, LOAD),
    metrics: sortedRecord(result.metrics, (m) => sortedRecord(m)),
    ...(result.phaseCounters === undefined ? {} : { phaseCounters: result.phaseCounters.map((c) => pick(c, PHASE_COUNTER)) }),
    versions: sortedRecord(result.versions),
    blastRadius: result.blastRadius.map((c) => pick(c, CELL)),
    recovery: result.recovery.map((r) => pick(r, RECOVERY)),
    ...(result.breach === undefined ? {} : { breach: { ...pick(result.breach, BREACH), lines: result.breach.lines.map((l) => pick(l, LOG_LINE)) } }),
  };
}

export function renderJson(result: RunResult): string {
  return `${JSON.stringify(orderedResult(result), null, 2)}\n`;
}
