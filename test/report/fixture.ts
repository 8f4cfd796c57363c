// Small literal RunResults for report tests (and anyone else who needs a finished run).
// makeRunResult() is a passing 30 s run of one endpoint with one landed fault; override any field.

import type { Breach, CheckResult, FaultRecord, LogLine, PhaseSummary, RunResult, SecondPoint } from '../../harness/types.ts';

export const ENDPOINT = 'GET /products/:id';

export function makeCheck(over: Partial<CheckResult> = {}): CheckResult {
  return {
    id: 'slo:availability:GET /products/:id:fault',
    kind: 'slo',
    name: 'availability >= 99.5%',
    phase: 'fault',
    endpoint: ENDPOINT,
    status: 'pass',
    measured: 0.9981,
    threshold: 0.995,
    unit: 'ratio',
    why: '99.81% of 1000 answers were ok or degraded; objective 99.50%',
    ...over,
  };
}

export function makeFault(over: Partial<FaultRecord> = {}): FaultRecord {
  return {
    id: 'f0',
    kind: 'latency',
    target: 'catalog->postgres',
    description: 'catalog->postgres +400 ms',
    scheduledAtMs: 10_000,
    scheduledForMs: 10_000,
    appliedAtMs: 10_020,
    provenAtMs: 10_480,
    removedAtMs: 20_015,
    landed: true,
    evidence: 'probe query took 402 ms (baseline 1.2 ms)',
    ...over,
  };
}

export function makeSummary(over: Partial<PhaseSummary> = {}): PhaseSummary {
  return {
    phase: 'baseline',
    endpoint: ENDPOINT,
    startMs: 0,
    endMs: 10_020,
    ok: 500,
    degraded: 0,
    error: 0,
    availability: 1,
    p50Ms: 4.2,
    p95Ms: 9.8,
    p99Ms: 14,
    maxMs: 31,
    ...over,
  };
}

/** One point per second for 30 s: fast in baseline, slow and partly degraded while the fault is on. */
export function makeSeries(endpoint = ENDPOINT, seconds = 30): SecondPoint[] {
  return Array.from({ length: seconds }, (_, second) => {
    const faulted = second >= 10 && second < 20;
    return { second, endpoint, ok: faulted ? 35 : 50, degraded: faulted ? 14 : 0, error: faulted ? 1 : 0, p50Ms: faulted ? 180 : 4, p99Ms: faulted ? 420 : 14 };
  });
}

export function makeRunResult(over: Partial<RunResult> = {}): RunResult {
  return {
    runId: '2025-01-01T12-00-00-postgres-latency',
    scenario: {
      name: 'postgres-latency',
      description: 'Postgres answers 400 ms late for 10 s; reads fall back to cache',
      file: 'scenarios/postgres-latency.ts',
      protectedBy: ['breaker', 'fallback'],
    },
    system: { name: 'shop', file: 'sample-system/system.ts' },
    verdict: 'pass',
    checks: [
      makeCheck({
        id: 'fault:f0',
        kind: 'fault',
        name: 'fault landed: catalog->postgres +400 ms',
        phase: undefined,
        endpoint: undefined,
        measured: 10_020,
        threshold: 10_000,
        unit: 'ms since load start',
        why: 'applied at 10020 ms (scheduled 10000 ms)',
      }),
      makeCheck({
        id: 'load:offered',
        kind: 'load',
        name: 'offered load delivered (50 req/s)',
        phase: undefined,
        endpoint: undefined,
        measured: 0,
        threshold: 0.01,
        unit: 'dropped share',
        why: '1500 requests sent, 0 iterations dropped',
      }),
      makeCheck(),
      makeCheck({
        id: 'slo:latency:GET /products/:id:fault',
        name: 'p99 latency <= 500 ms',
        measured: 420,
        threshold: 500,
        unit: 'ms',
        why: 'p99 420 ms <= 500 ms',
      }),
    ],
    phases: [
      { name: 'baseline', startMs: 0, endMs: 10_020 },
      { name: 'fault', startMs: 10_020, endMs: 20_015 },
      { name: 'recovery', startMs: 20_015, endMs: 35_000 },
    ],
    summaries: [
      makeSummary(),
      makeSummary({
        phase: 'fault',
        startMs: 10_020,
        endMs: 20_015,
        ok: 350,
        degraded: 140,
        error: 10,
        availability: 0.98,
        p50Ms: 180,
        p95Ms: 390,
        p99Ms: 420,
        maxMs: 455,
      }),
      makeSummary({ phase: 'recovery', startMs: 20_015, endMs: 35_000 }),
    ],
    series: makeSeries(),
    faults: [makeFault()],
    load: { offeredRatePerSecond: 50, durationMs: 30_000, requestsSent: 1500, droppedIterations: 0, k6ExitCode: 0 },
    metrics: { catalog: { 'breaker_state{dep="postgres"}': 0, 'retries_total{dep="postgres"}': 12 } },
    runtime: 'local',
    seed: 42,
    disabled: [],
    startedAt: '2025-01-01T12:00:00.000Z',
    finishedAt: '2025-01-01T12:00:41.500Z',
    bootMs: 6_500,
    wallMs: 41_500,
    versions: { node: 'v24.0.0', k6: 'v1.3.0', toxiproxy: '2.12.0-dev', postgres: '17.2', redis: '7.4.1' },
    replay: 'npm run chaos -- postgres-latency --runtime local --seed 42',
    blastRadius: ['acme', 'globex'].flatMap((tenant) =>
      (['baseline', 'fault', 'recovery'] as const).map((phase) => ({
        endpoint: ENDPOINT,
        tenant,
        phase,
        ok: 240,
        degraded: phase === 'fault' ? 10 : 0,
        error: 0,
        availability: 1,
        p99Ms: phase === 'fault' ? 410 : 15,
        holds: true,
        breached: [],
        mayBreach: false,
      })),
    ),
    recovery: [{ endpoint: ENDPOINT, removedAtMs: 20_015, recoveredAfterMs: 985, undegradedAfterMs: 1985 }],
    ...over,
  };
}

export function makeLogLine(over: Partial<LogLine> = {}): LogLine {
  return {
    tMs: 20_130,
    source: 'catalog-1',
    level: 'warn',
    text: 'request failed route=/products/:id status=504 tenant=acme',
    repeats: 0,
    lastTMs: 20_130,
    ...over,
  };
}

/** The first breach of makeFailingRun: second 20, the first second of recovery, with three log lines. */
export function makeBreach(over: Partial<Breach> = {}): Breach {
  return {
    second: 20,
    checkId: 'slo:availability:GET /products/:id:recovery',
    checkName: 'availability >= 99.5%',
    phase: 'recovery',
    endpoint: ENDPOINT,
    why: '94.00% of 50 requests answered in second 20, below 99.50%',
    fromMs: 17_000,
    toMs: 22_000,
    lines: [
      makeLogLine({ tMs: 19_020, source: 'toxiproxy', level: 'info', text: 'Accepted client name=catalog_to_postgres', repeats: 12, lastTMs: 21_900 }),
      makeLogLine(),
      makeLogLine({ tMs: 20_131, source: 'gateway-1', text: 'request failed route=/products/:id status=504 tenant=acme', repeats: 2, lastTMs: 20_900 }),
    ],
    omitted: 0,
    files: ['logs/catalog.log', 'logs/gateway.log', 'logs/toxiproxy.log'],
    ...over,
  };
}

/** A run whose recovery-phase availability check failed, with its first breach and log lines. */
export function makeFailingRun(over: Partial<RunResult> = {}): RunResult {
  const base = makeRunResult();
  return makeRunResult({
    verdict: 'fail',
    checks: [
      ...base.checks,
      makeCheck({
        id: 'slo:availability:GET /products/:id:recovery',
        phase: 'recovery',
        status: 'fail',
        measured: 0.971,
        threshold: 0.995,
        why: '97.10% of 600 answers were ok or degraded; objective 99.50%',
      }),
    ],
    breach: makeBreach(),
    ...over,
  });
}
