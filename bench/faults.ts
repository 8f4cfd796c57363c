// How exact faultline's faults are, on the local runtime on this machine:
//   1. schedule lateness: faults put on the central FaultSchedule (the one every run uses) at a
//      given time for a given length; how late each was in force (appliedAtMs - at) and taken out
//      (removedAtMs - (at + for)) against the schedule. Goal: <= 50 ms. With `--from <dir>`, the
//      same figures are read from the result.json of finished runs (a `--all` suite, say), i.e.
//      under real load.
//   2. injected vs seen latency: a latency toxic of L ms on an edge, and a client of the real
//      protocol through that edge (SELECT 1 to Postgres, PING to Redis, GET to a service); the
//      client's median round trip with the toxic minus without it, against L. Goal: within 5 %.
//   npm run bench -- faults [--trials N] [--from <reports dir>]

import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadSystemFile } from '../harness/discovery.ts';
import { latency } from '../harness/faults/latency.ts';
import { openProbe } from '../harness/faults/probe.ts';
import { FaultSchedule, type ScheduledFaultSpec } from '../harness/faults/schedule.ts';
import { sliceStats } from '../harness/load/recording.ts';
import { PROJECT_ROOT as ROOT_FOR_SHOP } from '../harness/paths.ts';
import { localRuntime } from '../harness/runtime/local.ts';
import { addToxic, removeToxic } from '../harness/runtime/toxiproxy.ts';
import type { StartedStack } from '../harness/runtime/types.ts';
import type { FaultRecord, RunResult } from '../harness/types.ts';

const shop = await loadSystemFile(`${ROOT_FOR_SHOP}/sample-system/system.ts`, ROOT_FOR_SHOP);

const say = (line: string): void => void process.stdout.write(`${line}\n`);

export interface Lateness {
  applyMs: number[];
  removeMs: number[];
}

/** How late each fault record was applied and removed against its schedule (records never applied are skipped). */
export function latenessOf(records: readonly FaultRecord[]): Lateness {
  const applyMs: number[] = [];
  const removeMs: number[] = [];
  for (const r of records) {
    if (r.appliedAtMs !== null) applyMs.push(r.appliedAtMs - r.scheduledAtMs);
    if (r.removedAtMs !== null) removeMs.push(r.removedAtMs - (r.scheduledAtMs + r.scheduledForMs));
  }
  return { applyMs, removeMs };
}

/** Nearest rank, as every verdict computes percentiles (harness/load/recording.ts); NaN without samples. */
export function quantile(values: readonly number[], q: number): number {
  return sliceStats(0, 0, 0, [...values]).latencyAtMs(q * 100) ?? Number.NaN;
}

const median = (values: readonly number[]): number => quantile(values, 0.5);
const figures = (values: readonly number[]): string =>
  values.length === 0
    ? 'no samples'
    : `p50 ${median(values).toFixed(1)} ms, p95 ${quantile(values, 0.95).toFixed(1)} ms, max ${Math.max(...values).toFixed(1)} ms (n=${values.length})`;

/** The edges the bench uses: one per protocol the probes speak. */
const EDGES = ['catalog->postgres', 'gateway->redis', 'gateway->recommendations'] as const;

async function scheduleLateness(stack: StartedStack, trials: number): Promise<Lateness> {
  const all: Lateness = { applyMs: [], removeMs: [] };
  for (let t = 0; t < trials; t++) {
    // every edge at once, as a scenario with several faults would have them
    const specs: ScheduledFaultSpec[] = EDGES.map((edge, i) => ({ atMs: 300 + i * 10, forMs: 700, fault: latency({ edge, ms: 50 }) }));
    const schedule = new FaultSchedule(stack, specs, { progress: () => undefined, failed: (e) => say(`  fault failed: ${e.message}`) });
    schedule.start(Date.now());
    await new Promise((r) => setTimeout(r, 1_400));
    await schedule.removeAll();
    const l = latenessOf(schedule.records);
    all.applyMs.push(...l.applyMs);
    all.removeMs.push(...l.removeMs);
  }
  return all;
}

async function roundTrips(stack: StartedStack, edge: string, n: number, timeoutMs: number): Promise<number[]> {
  const probe = await openProbe(stack.edges[edge] as StartedStack['edges'][string]);
  try {
    const out: number[] = [];
    for (let i = 0; i < n; i++) out.push(await probe.roundTripMs(timeoutMs));
    return out;
  } finally {
    await probe.close();
  }
}

async function injectedVsSeen(
  stack: StartedStack,
  edge: string,
  injectedMs: number,
  n: number,
): Promise<{ baseMs: number; withMs: number; seenMs: number; errorShare: number }> {
  const endpoint = stack.edges[edge];
  if (endpoint === undefined) throw new Error(`no edge ${edge}`);
  const baseMs = median(await roundTrips(stack, edge, n, 2_000));
  const name = `bench-latency-${injectedMs}`;
  await addToxic(stack.toxiproxyUrl, endpoint.proxy, {
    name,
    type: 'latency',
    stream: 'downstream',
    toxicity: 1,
    attributes: { latency: injectedMs, jitter: 0 },
  });
  try {
    const withMs = median(await roundTrips(stack, edge, n, injectedMs * 4 + 2_000));
    const seenMs = withMs - baseMs;
    return { baseMs, withMs, seenMs, errorShare: Math.abs(seenMs - injectedMs) / injectedMs };
  } finally {
    await removeToxic(stack.toxiproxyUrl, endpoint.proxy, name);
  }
}

/** End to end: the same toxic on every gateway->catalog replica edge, seen by a client of the gateway. */
async function injectedVsSeenThroughGateway(
  stack: StartedStack,
  injectedMs: number,
  n: number,
): Promise<{ baseMs: number; withMs: number; seenMs: number; errorShare: number }> {
  const edges = Object.values(stack.edges).filter((e) => e.edge.startsWith('gateway->catalog'));
  const get = async (): Promise<number[]> => {
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      const res = await fetch(`${stack.entryUrl}/products/${1 + (i % 10)}`, {
        headers: { 'x-tenant': 'acme', 'x-priority': 'critical' },
        signal: AbortSignal.timeout(5_000),
      });
      await res.arrayBuffer();
      if (res.status !== 200 || res.headers.get('x-degraded'))
        throw new Error(`GET /products: ${res.status} ${res.headers.get('x-degraded') ?? ''}: the measurement needs plain answers`);
      out.push(performance.now() - t0);
    }
    return out;
  };
  await get(); // warm the catalog's cache and the connections
  const baseMs = median(await get());
  const name = `bench-latency-e2e-${injectedMs}`;
  await Promise.all(
    edges.map((e) =>
      addToxic(stack.toxiproxyUrl, e.proxy, { name, type: 'latency', stream: 'downstream', toxicity: 1, attributes: { latency: injectedMs, jitter: 0 } }),
    ),
  );
  try {
    const withMs = median(await get());
    const seenMs = withMs - baseMs;
    return { baseMs, withMs, seenMs, errorShare: Math.abs(seenMs - injectedMs) / injectedMs };
  } finally {
    await Promise.all(edges.map((e) => removeToxic(stack.toxiproxyUrl, e.proxy, name)));
  }
}

function runsUnder(dir: string): RunResult[] {
  const out: RunResult[] = [];
  const walk = (d: string, depth: number): void => {
    for (const entry of readdirSync(d)) {
      const path = join(d, entry);
      if (entry === 'result.json') out.push(JSON.parse(readFileSync(path, 'utf8')) as RunResult);
      else if (depth < 3 && statSync(path).isDirectory()) walk(path, depth + 1);
    }
  };
  walk(dir, 0);
  return out;
}

export async function benchFaults(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { trials: { type: 'string', default: '10' }, from: { type: 'string' } }, allowPositionals: true });
  if (values.from !== undefined) {
    const runs = runsUnder(values.from);
    if (runs.length === 0) throw new Error(`no result.json under ${values.from}`);
    say(`faults: schedule lateness in ${runs.length} finished runs under ${values.from} (goal <= 50 ms)`);
    const byKind = new Map<string, FaultRecord[]>();
    for (const r of runs) for (const f of r.faults) byKind.set(f.kind, [...(byKind.get(f.kind) ?? []), f]);
    for (const [kind, records] of [...byKind].sort()) {
      const l = latenessOf(records);
      say(`  ${kind.padEnd(16)} applied late by ${figures(l.applyMs)}; removed late by ${figures(l.removeMs)}`);
    }
    return;
  }
  const trials = Number(values.trials);
  if (!Number.isInteger(trials) || trials < 1) throw new Error(`--trials ${values.trials} must be a whole number >= 1`);
  const scratch = mkdtempSync(join(tmpdir(), 'faultline-bench-faults-'));
  // the e2e latency measurement sends 30 reads back to back as one tenant, which the per-tenant
  // rate limit (50 req/s) would answer 429: it measures latency injection, not the limiter
  const stack = await localRuntime().start({
    system: shop,
    runDir: join(scratch, 'run'),
    runId: `bench-faults-${process.pid}`,
    disabled: ['rate-limit'],
    seed: 1,
    progress: () => undefined,
  });
  try {
    say(`faults: local stack up in ${stack.bootMs} ms`);
    const l = await scheduleLateness(stack, trials);
    say(`  schedule lateness (${trials} trials x ${EDGES.length} latency faults, goal <= 50 ms):`);
    say(`    applied late by ${figures(l.applyMs)}`);
    say(`    removed late by ${figures(l.removeMs)}`);
    say(`  injected vs seen latency (median of 30 round trips of the real protocol, goal within 5 %):`);
    for (const edge of EDGES)
      for (const injectedMs of [50, 200]) {
        const r = await injectedVsSeen(stack, edge, injectedMs, 30);
        say(
          `    ${edge.padEnd(26)} injected ${String(injectedMs).padStart(4)} ms, seen +${r.seenMs.toFixed(1)} ms (${r.baseMs.toFixed(1)} -> ${r.withMs.toFixed(1)} ms): off by ${(r.errorShare * 100).toFixed(1)} %`,
        );
      }
    for (const injectedMs of [50, 100]) {
      const r = await injectedVsSeenThroughGateway(stack, injectedMs, 30);
      say(
        `    ${'GET /products/:id (e2e)'.padEnd(26)} injected ${String(injectedMs).padStart(4)} ms on gateway->catalog-*, seen +${r.seenMs.toFixed(1)} ms at the client (${r.baseMs.toFixed(1)} -> ${r.withMs.toFixed(1)} ms): off by ${(r.errorShare * 100).toFixed(1)} %`,
      );
    }
  } finally {
    await stack.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
}
