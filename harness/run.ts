// One run: boot -> load with faults on schedule -> verdict -> report -> teardown. Faults are
// removed and the stack stopped on every exit path (end, error, abort); the CLI owns signals
// and aborts through `signal`.

import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { benchOff } from './bench-off.ts';
import { shownPath } from './discovery.ts';
import { trafficLandedProof } from './faults/load-traffic.ts';
import { FAULTS } from './faults/registry.ts';
import { FaultSchedule } from './faults/schedule.ts';
import { assertK6HasOutput, k6Version, startK6 } from './load/k6.ts';
import { Recording } from './load/recording.ts';
import { type FaultTrafficSpec, faultScenarioName, REQUEST_TIMEOUT_MS, renderK6Script } from './load/script.ts';
import { settleHeap } from './load/settle.ts';
import { breachWithLogs } from './observe/logs.ts';
import { scrapeMetrics } from './observe/metrics.ts';
import { phaseCounters } from './observe/phase-counters.ts';
import { everySecondFor, everySecondPhases, phaseNow } from './observe/scrape-plan.ts';
import { type Scraper, startScraper } from './observe/scraper.ts';
import { HarnessError } from './paths.ts';
import { completeUntil, driveOnSlots, liveConfidence, PhaseDriver } from './phases.ts';
import { writeReports } from './report/index.ts';
import type { Runtime, StartedStack } from './runtime/types.ts';
import { armWatchdog } from './runtime/watchdog.ts';
import { assertLoopback, takeAllowanceRecord } from './safety.ts';
import type { Scenario } from './scenario.ts';
import type { SystemCheck, SystemCheckContext } from './system/define.ts';
import type { CheckResult, FaultRecord, LoadFigures, RunResult, Sample } from './types.ts';
import { assembleVerdict } from './verdict/assemble.ts';
import { firstBreach } from './verdict/breach.ts';
import { phaseWindows, summarise } from './verdict/index.ts';
import { DEFAULT_CONFIDENCE } from './verdict/interval.ts';
import { judgePhaseLive } from './verdict/live.ts';

export type ProgressEvent =
  | { type: 'line'; text: string }
  | { type: 'tick'; elapsedMs: number; durationMs: number; phase: string; requests: number; errors: number; degraded: number };

export interface RunOptions {
  scenario: Scenario;
  runtime: Runtime;
  disabled: readonly string[];
  seed: number;
  reportsDir: string;
  signal: AbortSignal;
  progress: (event: ProgressEvent) => void;
  /** leave the stack running after the run (for poking at it); the caller stops it */
  keepUp?: boolean;
  /** confidence of every check's interval (default 0.95) */
  confidence?: number;
  /** count a marginal check as failed */
  strict?: boolean;
  /** k6 processes sharing the load, each with its execution segment (default 1) */
  runners?: number;
}

/** How much longer than the sum of the phases' maxima k6's script runs with adaptive phases. */
const ADAPTIVE_SLACK_MS = 3000;

export function newRunId(scenario: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${stamp}-${scenario}-${Math.random().toString(36).slice(2, 6)}`;
}

export async function runScenario(options: RunOptions): Promise<{ result: RunResult; runDir: string; stack?: StartedStack }> {
  const { scenario, runtime, disabled, seed, signal } = options;
  const confidence = options.confidence ?? DEFAULT_CONFIDENCE;
  const strict = options.strict === true;
  const line = (text: string): void => options.progress({ type: 'line', text });
  const runId = newRunId(scenario.name);
  const runDir = join(options.reportsDir, runId);
  await mkdir(join(runDir, 'logs'), { recursive: true });
  const startedAt = new Date();
  line(`run ${runId}: ${scenario.name} on the ${runtime.name} runtime${disabled.length ? `, disabled: ${disabled.join(',')}` : ''}`);

  const off = benchOff();
  if (off.size > 0) line(`FAULTLINE_BENCH_OFF: ${[...off].join(', ')} switched off (a benchmark's attribution run): this verdict means nothing`);
  if (signal.aborted) throw new HarnessError('interrupted before the stack started');
  assertK6HasOutput(); // a k6 that cannot stream to the harness is refused before anything starts
  takeAllowanceRecord(); // uses recorded before this run (an earlier run cut short) are not its own
  const system = scenario.system;
  // if the harness dies, however, its watchdog tears the run down (runtime/watchdog.ts)
  const watchdog = await armWatchdog({ runId, runDir, runtime: runtime.name, keepUp: options.keepUp === true, progress: line });
  const stack = await runtime.start({ system, runDir, runId, disabled, seed, progress: line, signal }).catch(async (error: unknown) => {
    await watchdog.release(); // start() stopped what it had started
    throw error;
  });
  let schedule: FaultSchedule | undefined;
  let scraper: Scraper | undefined;
  let keptUp = false;
  let stopLoad = (): void => undefined;
  let stopDriving = (): void => undefined;
  let loadDone: Promise<unknown> = Promise.resolve();
  const onAbort = (): void => {
    line('interrupted: stopping load, removing faults, stopping the stack');
    stopLoad();
    void schedule?.removeAll();
  };
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    assertLoopback(stack.entryUrl, `the entry part ${system.entry}`);
    assertLoopback(stack.toxiproxyUrl, 'toxiproxy API');
    line(`stack ready in ${stack.bootMs} ms; ${system.entry} ${stack.entryUrl}`);
    if (signal.aborted) throw new HarnessError('interrupted before the load started');

    const recording = new Recording();
    let faultError: Error | undefined;
    schedule = new FaultSchedule(stack, scenario.schedule, {
      progress: line,
      failed: (e) => {
        faultError ??= e;
        stopLoad();
      },
      boundary: () => scraper?.mark(),
    });
    let loadStartEpochMs: number | undefined;
    // adaptive phases: the harness judges while the load runs and drives the faults and the load's end
    let driver: PhaseDriver | undefined;
    let stoppedAtMs: number | undefined;
    // iterations k6 could not start, by k6 scenario: `main` (the base load) or a fault's traffic
    const dropped = new Map<string, number>();
    // the base load's dropped iterations by when, for the live judge's complete windows
    const droppedAt: { tMs: number; count: number }[] = [];
    // what each endpoint that creates answered 2xx: the key it carried and the created id
    const created: Record<string, { key: string; id: string }[]> = {};
    let lastTick = 0;
    const onSample = (s: Sample): void => {
      recording.add(s);
      if (s.tMs - lastTick < 1000) return;
      lastTick = s.tMs;
      const phase =
        driver !== undefined
          ? driver.phase
          : s.tMs < (scenario.schedule[0]?.atMs ?? Infinity)
            ? 'baseline'
            : schedule?.records.some((r) => r.appliedAtMs !== null && r.removedAtMs === null)
              ? 'fault'
              : 'recovery';
      options.progress({
        type: 'tick',
        elapsedMs: s.tMs,
        durationMs: scenario.durationMs,
        phase,
        requests: recording.baseLength,
        errors: recording.counts.error,
        degraded: recording.counts.degraded,
      });
    };
    // load-shaped faults (spike, noisy neighbour, poison pill) are traffic: one k6 scenario each
    const faultTraffic: (FaultTrafficSpec & { scenario: string })[] = [];
    scenario.schedule.forEach((spec, i) => {
      const traffic = FAULTS[spec.fault.kind]?.traffic?.(spec.fault.params, system);
      const record = schedule?.records[i];
      if (traffic !== undefined && record !== undefined)
        faultTraffic.push({
          id: record.id,
          atMs: spec.atMs,
          forMs: spec.forMs,
          ...(spec.rampMs !== undefined ? { rampMs: spec.rampMs } : {}),
          traffic,
          scenario: faultScenarioName(faultTraffic.length),
        });
    });
    const scriptMs = scenario.durationMs + (scenario.adaptive ? ADAPTIVE_SLACK_MS : 0);
    settleHeap(); // the set-up's garbage, collected before the load rather than in its first second
    const k6 = await startK6({
      // adaptive phases: applying and removing faults takes time the maxima do not count; the harness stops k6 itself
      script: renderK6Script({ system, load: scenario.load, durationMs: scriptMs, seed, faultTraffic }),
      runId,
      runDir,
      baseUrl: stack.entryUrl,
      runners: options.runners ?? 1,
      onEvent: (e) => {
        if (e.type === 'started') {
          loadStartEpochMs = e.epochMs;
          schedule?.start(e.epochMs, scenario.adaptive === undefined ? 'timed' : 'driven');
          if (!off.has('scrape')) {
            const fastIn = everySecondPhases(scenario.cascade ?? []);
            const faults = schedule?.records ?? [];
            scraper = startScraper(stack, e.epochMs, {
              everySecond: everySecondFor(system, scenario.cascade ?? []),
              fastNow: () => fastIn.has(phaseNow(faults)),
            });
          }
          const n = options.runners ?? 1;
          line(
            `load started: ${scenario.load.rate} req/s for ${scenario.adaptive ? 'at most ' : ''}${scenario.durationMs / 1000} s${n > 1 ? ` from ${n} k6 runners` : ''}`,
          );
          if (scenario.adaptive !== undefined && schedule !== undefined) {
            const started = e.epochMs;
            const clock = (): number => Date.now() - started;
            const faults = schedule;
            driver = new PhaseDriver({
              bounds: scenario.adaptive,
              abortOnFail: scenario.abortOnFail === true,
              settledUntil: (fromMs, nowMs) =>
                completeUntil(recording.baseStartsFrom(fromMs), droppedAt, scenario.load.rate, fromMs, nowMs, REQUEST_TIMEOUT_MS + 500),
              judge: (phase, fromMs, toMs) =>
                off.has('judge')
                  ? { checks: [], decided: false, failing: [], open: [] }
                  : judgePhaseLive({
                      scenario,
                      phase,
                      fromMs,
                      toMs,
                      stats: recording.stats.bind(recording),
                      statuses: recording.statuses.bind(recording),
                      snapshots: scraper?.snapshots() ?? [],
                      series: { ...system.metrics?.series, entry: system.entry },
                      confidence: liveConfidence(confidence, scenario.adaptive?.[phase] ?? { minMs: 0, maxMs: 0 }),
                    }),
              applyFaults: async () => {
                await faults.applyNow();
                return Math.min(clock(), ...faults.records.map((r) => r.appliedAtMs ?? Infinity));
              },
              removeFaults: async () => {
                await faults.removeNow();
                return Math.max(0, ...faults.records.map((r) => r.removedAtMs ?? 0));
              },
              faultsLanded: () => faults.records.every((r) => r.landed),
              stopLoad: () => {
                stoppedAtMs ??= Math.round(clock());
                stopLoad();
              },
              progress: line,
            });
            stopDriving = driveOnSlots(driver, clock, (error) => {
              faultError ??= error;
              stopLoad();
            });
          }
        } else if (e.type === 'dropped') {
          dropped.set(e.scenario, (dropped.get(e.scenario) ?? 0) + e.count);
          if (e.scenario === 'main' && loadStartEpochMs !== undefined) droppedAt.push({ tMs: e.epochMs - loadStartEpochMs, count: e.count });
        } else if (e.type === 'ack') (created[e.endpoint] ??= []).push({ key: e.key, id: e.id });
        else if (loadStartEpochMs !== undefined) {
          // per request: the optional fields set only when present (no spread objects)
          const s: Sample = {
            tMs: e.endEpochMs - e.latencyMs - loadStartEpochMs,
            endpoint: e.endpoint,
            tenant: e.tenant,
            outcome: e.outcome,
            status: e.status,
            latencyMs: e.latencyMs,
          };
          if (e.degradedReason) s.degradedReason = e.degradedReason;
          if (e.source) s.source = e.source;
          if (e.priority) s.priority = e.priority;
          if (e.retryAfter) s.retryAfter = true;
          onSample(s);
        }
      },
    });
    stopLoad = k6.stop;
    loadDone = k6.done.catch(() => undefined);
    if (signal.aborted) k6.stop();
    const { exitCode: k6ExitCode, runners } = await k6.done;
    stopDriving();
    line(`load done: ${recording.baseLength} requests; judging`);
    await schedule.removeAll();
    // the scraper's last scrape of every instance is also the end-of-run metrics
    const scraped = await scraper?.stop();
    const snapshots = scraped?.snapshots ?? [];
    if (signal.aborted) throw new HarnessError('interrupted: the run was stopped before the load finished');
    if (faultError !== undefined) throw new HarnessError(faultError.message);

    const metrics = scraped?.last ?? (await scrapeMetrics(stack));
    for (const f of faultTraffic)
      proveTraffic(
        schedule.records.find((r) => r.id === f.id),
        f,
        recording.statuses({ source: f.id }),
        dropped.get(f.scenario) ?? 0,
      );
    // an adaptive run's load is as long as its phases needed
    const loadMs = stoppedAtMs ?? scriptMs;
    const load: LoadFigures = {
      offeredRatePerSecond: scenario.load.rate,
      durationMs: loadMs,
      requestsSent: recording.baseLength,
      droppedIterations: dropped.get('main') ?? 0,
      k6ExitCode,
      ...(stoppedAtMs === undefined ? {} : { stoppedAtMs }),
      runners: runners.map(({ pid: _pid, ...r }) => r),
    };
    const phases = phaseWindows(schedule.records, loadMs);
    recording.setPhases(phases);
    const stats = recording.stats.bind(recording);
    // the system's own checks (the shop: every acknowledged order in Postgres once), for the endpoints this load drives
    const systemChecks: CheckResult[] = [];
    for (const check of system.checks)
      if ((scenario.load.mix[check.when.endpoint] ?? 0) > 0) systemChecks.push(await systemCheck(check, stack, created, recording.sentBy()));
    const { verdict, checks, blastRadius, recovery } = assembleVerdict({
      scenario: { ...scenario, durationMs: loadMs },
      stats,
      statuses: recording.statuses.bind(recording),
      endpoints: recording.endpointNames(),
      tenants: recording.tenantNames(),
      faults: schedule.records,
      load,
      phases,
      snapshots,
      series: { ...system.metrics?.series, entry: system.entry },
      systemChecks,
      confidence,
      strict,
    });
    const perSecond = recording.series();
    const first = verdict === 'fail' ? firstBreach(checks, perSecond, phases) : null;
    const breach = first !== null && loadStartEpochMs !== undefined ? await breachWithLogs(runDir, first, loadStartEpochMs) : undefined;
    const finishedAt = new Date();
    const allowance = takeAllowanceRecord();
    const result: RunResult = {
      runId,
      scenario: { name: scenario.name, description: scenario.description, file: shownFile(scenario.file), protectedBy: scenario.protectedBy },
      system: { name: system.name, file: shownFile(system.file) },
      verdict,
      checks,
      phases,
      summaries: summarise(phases, [...new Set([...Object.keys(scenario.load.mix), ...recording.endpointNames()])], stats),
      series: perSecond,
      faults: schedule.records,
      load,
      metrics,
      ...(system.metrics && system.metrics.show.length > 0 ? { metricsShown: system.metrics.show.map((s) => ({ ...s, by: [...s.by] })) } : {}),
      phaseCounters: phaseCounters(snapshots, phases, system.metrics?.phaseCounters ?? []),
      runtime: runtime.name,
      seed,
      disabled: [...disabled],
      startedAt: startedAt.toISOString(),
      finishedAt: finishedAt.toISOString(),
      bootMs: stack.bootMs,
      wallMs: finishedAt.getTime() - startedAt.getTime(),
      versions: { ...stack.versions, k6: k6Version(), node: process.version },
      replay: `npm run chaos -- ${scenario.name} --runtime ${runtime.name} --seed ${seed}${disabled.length ? ` --disable ${disabled.join(',')}` : ''}${(options.runners ?? 1) > 1 ? ` --runners ${options.runners}` : ''}${confidence !== DEFAULT_CONFIDENCE ? ` --confidence ${confidence}` : ''}${strict ? ' --strict' : ''}`,
      blastRadius,
      recovery,
      ...(breach === undefined ? {} : { breach }),
      ...(allowance === undefined ? {} : { allowedTargets: allowance }),
      ...(driver === undefined ? {} : { phaseEnds: driver.ends }),
      judgement: { confidence, strict },
    };
    await writeReports(runDir, result);
    keptUp = options.keepUp === true;
    return keptUp ? { result, runDir, stack } : { result, runDir };
  } finally {
    signal.removeEventListener('abort', onAbort);
    if (!keptUp) line('teardown: stopping the load, removing faults, stopping the stack');
    stopDriving();
    stopLoad(); // an error while k6 runs must not leave it running
    await loadDone;
    await schedule?.removeAll();
    await scraper?.stop().catch(() => undefined);
    if (!keptUp) await stack.stop();
    if (!keptUp) await watchdog.release();
  }
}

/** A file as result.json names it: relative to the working folder when inside it. */
const shownFile = (file: string): string => shownPath(file, process.cwd());

/** Runs one of the system's own checks; one that throws is inconclusive, saying why. */
async function systemCheck(
  check: SystemCheck,
  stack: StartedStack,
  created: SystemCheckContext['created'],
  sent: SystemCheckContext['sent'],
): Promise<CheckResult> {
  try {
    return await check.run({ edges: stack.edges, created, sent });
  } catch (error) {
    return {
      id: `data:${check.name.replace(/\s+/g, '-')}`,
      kind: 'data',
      name: check.name,
      endpoint: check.when.endpoint,
      status: 'inconclusive',
      measured: null,
      threshold: null,
      unit: '',
      why: `the check failed to run: ${(error as Error).message}`,
    };
  }
}

/**
 * A load-shaped fault landed only if k6 really sent its traffic and the system answered it
 * (trafficLandedProof); the record's proof until then said so and was pending.
 */
function proveTraffic(
  record: FaultRecord | undefined,
  spec: FaultTrafficSpec,
  statuses: Parameters<typeof trafficLandedProof>[0]['statuses'],
  dropped: number,
): void {
  if (record === undefined || record.appliedAtMs === null) return;
  const proof = trafficLandedProof({
    ratePerSecond: spec.traffic.ratePerSecond,
    forMs: spec.forMs,
    ...(spec.rampMs !== undefined ? { rampMs: spec.rampMs } : {}),
    statuses,
    dropped,
  });
  record.landed = proof.landed && record.removedAtMs !== null;
  record.evidence = proof.evidence;
  if (proof.landed) record.provenAtMs = record.removedAtMs ?? record.appliedAtMs;
}
