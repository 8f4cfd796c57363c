// Shared value types of a run. Everything here is plain data: it is what result.json holds and
// what the verdict and report code read. No sockets, processes or clocks behind these types.

import type { Interval } from './verdict/interval.ts';

export type { Interval } from './verdict/interval.ts';
export type Outcome = 'ok' | 'degraded' | 'error';
export type PhaseName = 'baseline' | 'fault' | 'recovery';
export const PHASES: readonly PhaseName[] = ['baseline', 'fault', 'recovery'];

/** One request as the load generator saw it. `tMs` is milliseconds since load start. */
export interface Sample {
  tMs: number;
  endpoint: string;
  tenant: string;
  outcome: Outcome;
  status: number;
  latencyMs: number;
  /** what marked the answer degraded (the system's degraded header's value, or its status), when it came from a fallback */
  degradedReason?: string;
  /** whose traffic: a load-shaped fault's id for its own extra traffic; absent: the base load */
  source?: string;
  /** the x-priority the request carried; absent: normal */
  priority?: string;
  /** the answer carried a Retry-After header */
  retryAfter?: boolean;
}

/** The source of the scenario's own load, as opposed to a load-shaped fault's extra traffic. */
export const BASE_SOURCE = 'load';
/** A slice filter's source that takes every sample, base load and faults' traffic alike. */
export const ANY_SOURCE = '*';

/** A phase window on the load clock (ms since load start, end exclusive). */
export interface PhaseWindow {
  name: PhaseName;
  startMs: number;
  endMs: number;
}

/** Counts and latency figures of one slice of the recording (phase x endpoint x tenant). */
export interface SliceStats {
  ok: number;
  degraded: number;
  error: number;
  total: number;
  /** latency at percentile p (0 < p <= 100), null when the slice has no samples */
  latencyAtMs(p: number): number | null;
  /** distribution-free interval on percentile p (order statistics), null when the slice has no samples */
  latencyInterval(p: number, confidence: number): Interval | null;
  meanMs: number | null;
  maxMs: number | null;
}

export interface SliceFilter {
  phase?: PhaseName;
  endpoint?: string;
  tenant?: string;
  /** tenants left out: those blastRadius.tenants allows to breach, when a check judges the victims */
  excludeTenants?: readonly string[];
  priority?: string;
  /**
   * whose samples: BASE_SOURCE (the default), a fault's id, or ANY_SOURCE. A load-shaped fault's
   * own traffic (a spike, a flood, poison pills) is not the victims' traffic: it is left out of
   * every SLO, blast-radius and recovery slice unless asked for, and shown in its fault's proof.
   */
  source?: string;
  /** a window on the load clock (ms, end exclusive), within the phase if one is given too */
  fromMs?: number;
  toMs?: number;
}

/** One second of the recording, for time-series charts. */
export interface SecondPoint {
  second: number;
  endpoint: string;
  ok: number;
  degraded: number;
  error: number;
  p50Ms: number | null;
  p99Ms: number | null;
}

/** What the load generator offered and achieved. */
export interface LoadFigures {
  offeredRatePerSecond: number;
  durationMs: number;
  requestsSent: number;
  droppedIterations: number;
  /** k6 exit code; non-zero means k6 itself failed (unless the harness stopped it: stoppedAtMs) */
  k6ExitCode: number | null;
  /** adaptive phases: the harness ended the load here (ms since load start), its checks decided or one failed */
  stoppedAtMs?: number;
  /** the k6 processes that shared the load (`--runners`), each with its execution segment */
  runners?: RunnerFigures[];
}

export interface RunnerFigures {
  runner: string;
  /** k6's --execution-segment, `0:1` for a single runner */
  segment: string;
  /** requests it recorded, the faults' own traffic included */
  requests: number;
  exitCode: number | null;
  /** how long after the first runner's its load clock started, ms */
  startedAfterMs: number | null;
}

/** When a fault was scheduled, applied, proven and removed, all on the load clock. */
export interface FaultRecord {
  id: string;
  kind: string;
  target: string;
  description: string;
  scheduledAtMs: number;
  scheduledForMs: number;
  appliedAtMs: number | null;
  /** when the proof that it landed came back positive; absent when it was never proven */
  provenAtMs?: number;
  removedAtMs: number | null;
  landed: boolean;
  /** what proved (or failed to prove) that the fault took effect, in words and numbers */
  evidence: string;
}

/**
 * The result of one check. `status` is 'pass', 'fail' or 'inconclusive'; only 'pass' passes.
 * measured and threshold are numbers in the unit the name says; why is one line in numbers.
 */
export type CheckStatus = 'pass' | 'fail' | 'inconclusive';
export interface CheckResult {
  id: string;
  kind: 'slo' | 'fault' | 'load' | 'blast-radius' | 'cascade' | 'recovery' | 'data';
  name: string;
  phase?: PhaseName;
  endpoint?: string;
  status: CheckStatus;
  measured: number | null;
  threshold: number | null;
  unit: string;
  why: string;
  /** the confidence interval on `measured`, where the check estimates a rate, share or percentile from samples */
  interval?: Interval;
  /** the interval straddles the threshold (or touches it): a repeat could flip this check */
  marginal?: boolean;
  /** (measured − threshold) in standard errors, positive on the passing side; absent without an interval */
  marginSe?: number;
}

export type Verdict = 'pass' | 'fail' | 'inconclusive';

/** Per-phase figures kept in result.json and drawn in the report. */
export interface PhaseSummary {
  phase: PhaseName;
  endpoint: string;
  startMs: number;
  endMs: number;
  ok: number;
  degraded: number;
  error: number;
  availability: number | null;
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
}

export interface RunResult {
  runId: string;
  scenario: { name: string; description: string; file: string; protectedBy: string[] };
  /** the system under test: its name and declaration file */
  system: { name: string; file: string };
  verdict: Verdict;
  checks: CheckResult[];
  phases: PhaseWindow[];
  summaries: PhaseSummary[];
  series: SecondPoint[];
  faults: FaultRecord[];
  load: LoadFigures;
  /** metrics scraped from the services at the end of the run, by service, then metric line */
  metrics: Record<string, Record<string, number>>;
  /** how the system's declaration titles and splits those counters for the report (metrics.show) */
  metricsShown?: { series: string; by: string[]; title: string }[];
  /**
   * how much the counters whose timing matters (breaker transitions, shed, rate-limited) rose in
   * each phase, by service and series, from the per-second scrapes; absent in older results
   */
  phaseCounters?: PhaseCounter[];
  runtime: string;
  seed: number;
  disabled: string[];
  startedAt: string;
  finishedAt: string;
  bootMs: number;
  wallMs: number;
  versions: Record<string, string>;
  /** the command that replays this run */
  replay: string;
  /** the blast-radius matrix: endpoint x tenant x phase, each cell judged on its endpoint's SLOs */
  blastRadius: BlastCell[];
  /** per endpoint with SLOs: how long after the fault's removal its SLOs held again */
  recovery: RecoveryFigures[];
  /** for a failed run: the first breach and the service log lines around it */
  breach?: Breach;
  /**
   * present when FAULTLINE_ALLOW_TARGETS was set: the hosts it allowed besides loopback, and each
   * target outside loopback the run sent to because of it (`what at target`)
   */
  allowedTargets?: { allowed: string[]; used: string[] };
  /** adaptive phases: how and when each phase ended (decided, at its max, or on a failed check) */
  phaseEnds?: { phase: PhaseName; endedAtMs: number; why: 'decided' | 'max' | 'failed'; detail: string }[];
  /** how the checks were judged: the intervals' confidence, and whether a marginal check counted as failed (--strict) */
  judgement?: { confidence: number; strict: boolean };
}

/** A counter's increase over one phase in one service (missing: not measured in that phase). */
export interface PhaseCounter {
  phase: PhaseName;
  service: string;
  /** `name{labels}`, as in metrics */
  series: string;
  increase: number;
}

/** One cell of the blast-radius matrix. */
export interface BlastCell {
  endpoint: string;
  tenant: string;
  phase: PhaseName;
  ok: number;
  degraded: number;
  error: number;
  availability: number | null;
  p99Ms: number | null;
  /** true: every SLO of the endpoint holds; false: one breaches; null: no objective or no samples */
  holds: boolean | null;
  /** the SLOs this cell breached, with the measured value */
  breached: string[];
  mayBreach: boolean;
  /** one of the cell's SLO judgements straddles its objective: a repeat could flip the cell */
  marginal?: boolean;
}

/** How an endpoint came back after the last fault was removed (ms on the load clock). */
export interface RecoveryFigures {
  endpoint: string;
  removedAtMs: number;
  /** ms from removal until the SLOs held in every later second; null: they never did */
  recoveredAfterMs: number | null;
  /** ms from removal until degraded + error answers stayed under 1% of each second; null: never */
  undegradedAfterMs: number | null;
  /** ms of load after removal: under one recovery window (abortOnFail, an interrupt), recovery was not observed */
  observedForMs?: number;
}

/** One log line (or a run of like lines) of a service, on the load clock. */
export interface LogLine {
  tMs: number;
  /** who wrote it: the replica or service name, else the log file's name */
  source: string;
  level: string;
  /** the message followed by its other fields as key=value */
  text: string;
  /** later lines in the window with the same source, level and message, folded into this one */
  repeats: number;
  /** time of the last folded line (tMs when nothing was folded) */
  lastTMs: number;
}

/**
 * The first second in which a failed SLO check's phase and endpoint breached its threshold, judged
 * second by second from the series, and the services' log lines around it (from logs/*.log).
 */
export interface Breach {
  second: number;
  checkId: string;
  checkName: string;
  phase?: PhaseName;
  endpoint?: string;
  /** what breached in that second, in numbers */
  why: string;
  /** the log window on the load clock, end exclusive */
  fromMs: number;
  toMs: number;
  lines: LogLine[];
  /** lines in the window left out of `lines` to keep the excerpt readable */
  omitted: number;
  /** the log files read, relative to the run folder */
  files: string[];
}
