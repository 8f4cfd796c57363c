// The dead man's switch, measured: SIGKILL the harness (the CLI, as a user runs it) at a seeded
// random moment of a short run (boot, load, fault in force, teardown) and, WITHOUT starting
// another run, watch until nothing of that run is left — no process (everything of the run alive
// at the kill, by pid and start time, and anything carrying its TMPDIR since), no container, no
// network, no toxic, no ledger, no temp dir — recording how long that took. Used by the deadman
// tests (a few kills per runtime) and `npm run bench -- deadman` (20 per runtime).

import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'vitest';
import { dockerHostOf } from '../../harness/runtime/docker-ping.ts';
import { engineCall, listLabelled } from '../../harness/runtime/docker-reaper.ts';
import { cleanupLeftovers, type LedgerData } from '../../harness/runtime/ledger.ts';
import { descendantsOf, processIdentity } from '../../harness/runtime/processes.ts';
import { type CliProcess, startCli } from './cli-process.ts';
import { leftoverProcesses } from './processes.ts';

export type Stage = 'boot' | 'load' | 'fault' | 'teardown';
export const STAGES: readonly Stage[] = ['boot', 'load', 'fault', 'teardown'];

export interface DeadmanKill {
  i: number;
  stage: Stage;
  /** how long after the stage's first line the SIGKILL comes */
  delayMs: number;
}

/** how long after its line a kill in each stage may come, at most (docker boots slower) */
const SPREAD_MS: Record<'local' | 'docker', Record<Stage, number>> = {
  local: { boot: 2500, load: 1200, fault: 400, teardown: 150 },
  docker: { boot: 7000, load: 1200, fault: 400, teardown: 150 },
};

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `kills` kills, the stages dealt round-robin (every stage once in each four) in a seeded order. */
export function deadmanPlan(seed: number, kills: number, runtime: 'local' | 'docker'): DeadmanKill[] {
  const rng = mulberry32(seed);
  const stages: Stage[] = [];
  while (stages.length < kills) {
    const round = [...STAGES];
    for (let i = round.length - 1; i > 0; i--) {
      const j = Math.floor(rng() * (i + 1));
      [round[i], round[j]] = [round[j] as Stage, round[i] as Stage];
    }
    stages.push(...round);
  }
  return stages.slice(0, kills).map((stage, i) => ({ i, stage, delayMs: Math.round(rng() * SPREAD_MS[runtime][stage]) }));
}

export interface DeadmanContext {
  runtime: 'local' | 'docker';
  /** the scenario file: short, with every stage reached within seconds */
  scenario: string;
  /** markers (each run's TMPDIR), ledgers and reports go under it */
  scratch: string;
  /** how long after the kill nothing may be left (the issue: 5 s) */
  limitMs?: number;
  /** extra environment for the CLI */
  env?: Record<string, string>;
}

export interface Leftovers {
  processes: string[];
  containers: string[];
  networks: string[];
  toxics: string[];
  ledgers: string[];
  tempDirs: string[];
}

export interface KillResult {
  kill: DeadmanKill;
  runId: string;
  /** where the run was when it died, from its last progress line; 'after the run' when it had ended */
  landedIn: Stage | 'after the run';
  /** toxics its Toxiproxy listed just before the kill (a fault was in force) */
  toxicsAtKill: string[];
  /** ms from the SIGKILL until nothing was left; null when something was still there at the limit */
  teardownMs: number | null;
  /** what was still there at the limit (empty when teardownMs is set) */
  leftAtLimit: Leftovers;
  lastLine: string;
}

const LINES: Record<Stage, RegExp> = {
  boot: /^ {2}run (\S+): /,
  load: /^ {2}load started/,
  fault: /^ {2}fault (landed|did NOT land)/,
  teardown: /^ {2}teardown:/,
};

function stageOf(lastLine: string): Stage {
  if (lastLine.startsWith('teardown')) return 'teardown';
  if (/^fault (landed|did NOT land)|\] fault /.test(lastLine)) return 'fault';
  if (/^load started|^load done|^fault removed|^lease ran out|\] (baseline|recovery) /.test(lastLine)) return 'load';
  return 'boot';
}

/** The last progress line the CLI printed (indented, on stderr). */
export const lastProgressLine = (stderr: string): string =>
  stderr
    .trimEnd()
    .split('\n')
    .filter((l) => l.startsWith('  '))
    .at(-1)
    ?.trim() ?? '';

/** The run's Toxiproxy API, if it has one yet: local from its ready line, docker from its container's port. */
async function toxiproxyUrlOf(ctx: DeadmanContext, runId: string, stderr: string): Promise<string | undefined> {
  if (ctx.runtime === 'local') {
    const at = /toxiproxy on (127\.0\.0\.1:\d+) ready/.exec(stderr)?.[1];
    return at === undefined ? undefined : `http://${at}`;
  }
  const host = dockerHostOf();
  if (host === undefined) return undefined;
  const answer = await engineCall(host, 'GET', `/containers/faultline-${runId}-toxiproxy/json`).catch(() => undefined);
  if (answer?.status !== 200) return undefined;
  const port = (JSON.parse(answer.body) as { NetworkSettings?: { Ports?: Record<string, { HostPort: string }[] | null> } }).NetworkSettings?.Ports?.[
    '8474/tcp'
  ]?.[0]?.HostPort;
  return port === undefined ? undefined : `http://127.0.0.1:${port}`;
}

/** Toxics a Toxiproxy lists now; undefined when nothing answers. */
export async function toxicsAt(url: string | undefined): Promise<string[] | undefined> {
  if (url === undefined) return undefined;
  try {
    const proxies = (await (await fetch(`${url}/proxies`, { signal: AbortSignal.timeout(1000) })).json()) as Record<string, { toxics: { name: string }[] }>;
    return Object.entries(proxies).flatMap(([name, p]) => p.toxics.map((t) => `${name}/${t.name}`));
  } catch {
    return undefined;
  }
}

interface Known {
  pid: number;
  startTime: string;
  what: string;
}

/** Every process of the run now: what carries its marker, and everything those forked (Postgres backends rewrite their environment). */
async function runProcesses(marker: string, harnessPid: number): Promise<Known[]> {
  const marked = leftoverProcesses(marker, { markerOnly: true })
    .map((l) => Number(l.split(' ')[0]))
    .filter((pid) => pid !== harnessPid);
  const all = [...new Set([...marked, ...marked.flatMap((pid) => descendantsOf(pid))])];
  const known: Known[] = [];
  for (const pid of all) {
    const identity = await processIdentity(pid);
    if (identity !== undefined) known.push({ pid, startTime: identity.startTime, what: identity.cmdline.join(' ').slice(0, 100) });
  }
  return known;
}

async function leftNow(
  ctx: DeadmanContext,
  marker: string,
  stateDir: string,
  runId: string,
  known: readonly Known[],
  toxiproxyUrl: string | undefined,
): Promise<Leftovers> {
  const processes: string[] = [];
  for (const k of known) if ((await processIdentity(k.pid))?.startTime === k.startTime) processes.push(`${k.pid} ${k.what}`);
  for (const line of leftoverProcesses(marker, { markerOnly: true }))
    if (!processes.some((p) => p.split(' ')[0] === line.split(' ')[0])) processes.push(line.slice(0, 120));
  let containers: string[] = [];
  let networks: string[] = [];
  const host = ctx.runtime === 'docker' ? dockerHostOf() : undefined;
  if (host !== undefined) {
    const found = await listLabelled(host, runId);
    containers = found.containers.map((c) => c.name);
    networks = found.networks.map((n) => n.name);
  }
  // a toxic lives in its Toxiproxy's memory: none is left when that process (or container) is gone,
  // or when it lists none
  const toxics = processes.length + containers.length === 0 ? [] : ((await toxicsAt(toxiproxyUrl)) ?? []);
  const ledgers = existsSync(stateDir) ? readdirSync(stateDir).filter((f) => f === `${runId}.json` || f === `${runId}-load.json`) : [];
  const tempDirs = existsSync(marker) ? readdirSync(marker).filter((d) => d.startsWith('faultline-')) : [];
  return { processes, containers, networks, toxics, ledgers, tempDirs };
}

const count = (l: Leftovers): number => Object.values(l).reduce((n, xs: string[]) => n + xs.length, 0);

/** One SIGKILL at the planned moment, then a watch until nothing of the run is left (or `limitMs` + 10 s). */
export async function killOnce(kill: DeadmanKill, ctx: DeadmanContext): Promise<KillResult> {
  const limitMs = ctx.limitMs ?? 5_000;
  const marker = join(ctx.scratch, `kill-${kill.i}`);
  const stateDir = join(ctx.scratch, 'state');
  mkdirSync(marker, { recursive: true, mode: 0o755 });
  const cli: CliProcess = startCli([ctx.scenario, '--runtime', ctx.runtime, '--seed', String(100 + kill.i), '--report-dir', join(ctx.scratch, 'reports')], {
    TMPDIR: marker,
    FAULTLINE_STATE_DIR: stateDir,
    ...ctx.env,
  });
  let runId: string;
  try {
    runId = (await cli.line(LINES.boot))[1] as string;
    if (kill.stage !== 'boot') await cli.line(LINES[kill.stage]);
  } catch (error) {
    cli.child.kill('SIGINT');
    await cli.exited;
    throw error;
  }
  await sleep(kill.delayMs);
  const toxiproxyUrl = await toxiproxyUrlOf(ctx, runId, cli.stderr());
  const toxicsAtKill = (await toxicsAt(toxiproxyUrl)) ?? [];
  const known = await runProcesses(marker, cli.pid);
  const lastLine = lastProgressLine(cli.stderr());
  let delivered = true;
  const killedAt = performance.now();
  try {
    process.kill(cli.pid, 'SIGKILL');
  } catch {
    delivered = false; // it had already finished
  }
  await cli.exited;
  let teardownMs: number | null = null;
  let leftAtLimit: Leftovers | undefined;
  for (;;) {
    const left = await leftNow(ctx, marker, stateDir, runId, known, toxiproxyUrl);
    const since = performance.now() - killedAt;
    if (count(left) === 0) {
      teardownMs = Math.round(since);
      leftAtLimit = left;
      break;
    }
    if (since >= limitMs && leftAtLimit === undefined) leftAtLimit = left;
    if (since >= limitMs + 10_000) break;
    await sleep(50);
  }
  const finished = /^(PASS|FAIL|INCONCLUSIVE) +\S+ in /m.test(cli.stdout()) || !delivered; // the verdict printed: the run had ended
  return {
    kill,
    runId,
    landedIn: finished ? 'after the run' : stageOf(lastLine),
    toxicsAtKill,
    teardownMs: teardownMs !== null && teardownMs <= limitMs ? teardownMs : null,
    leftAtLimit:
      teardownMs !== null && teardownMs <= limitMs
        ? { processes: [], containers: [], networks: [], toxics: [], ledgers: [], tempDirs: [] }
        : (leftAtLimit as Leftovers),
    lastLine,
  };
}

export interface DeadmanFigures {
  runtime: string;
  kills: number;
  landedIn: Record<string, number>;
  /** kills that found a toxic in force just before the signal */
  faultInForceAtKill: number;
  /** kills after which something was still there at the limit */
  notCleanAtLimit: number;
  /** what was still there at the limit, summed over the kills */
  leftovers: Record<keyof Leftovers, number>;
  slowestTeardownMs: number | null;
  medianTeardownMs: number | null;
}

export function deadmanFigures(runtime: string, results: readonly KillResult[]): DeadmanFigures {
  const landedIn: Record<string, number> = {};
  for (const r of results) landedIn[r.landedIn] = (landedIn[r.landedIn] ?? 0) + 1;
  const leftovers = { processes: 0, containers: 0, networks: 0, toxics: 0, ledgers: 0, tempDirs: 0 };
  for (const r of results) for (const key of Object.keys(leftovers) as (keyof Leftovers)[]) leftovers[key] += r.leftAtLimit[key].length;
  const times = results
    .map((r) => r.teardownMs)
    .filter((t): t is number => t !== null)
    .sort((a, b) => a - b);
  return {
    runtime,
    kills: results.length,
    landedIn,
    faultInForceAtKill: results.filter((r) => r.toxicsAtKill.length > 0).length,
    notCleanAtLimit: results.filter((r) => r.teardownMs === null).length,
    leftovers,
    slowestTeardownMs: times.at(-1) ?? null,
    medianTeardownMs: times.length === 0 ? null : (times[Math.floor(times.length / 2)] as number),
  };
}

/** After a failed check: the second line of defence removes what the first one left. */
export async function cleanUpAfter(scratch: string): Promise<void> {
  await cleanupLeftovers(() => undefined, { stateDir: join(scratch, 'state'), graceMs: 500 });
  const { cleanupDockerIfEngine } = await import('../../harness/runtime/index.ts');
  await cleanupDockerIfEngine(() => undefined);
}

/** The run's ledger as it was written (a kill test reads the Toxiproxy pid from it). */
export function ledgerOf(stateDir: string, runId: string): LedgerData | undefined {
  try {
    return JSON.parse(readFileSync(join(stateDir, `${runId}.json`), 'utf8')) as LedgerData;
  } catch {
    return undefined;
  }
}

/**
 * SIGKILLs the harness `kills` times at planned moments (boot, load, fault in force, teardown) and
 * expects nothing of each run left `limitMs` after its kill, with no run after it; prints and
 * returns the figures. The kills must have landed in every stage, one with the fault in force.
 */
export async function expectKillsLeaveNothing(
  ctx: DeadmanContext & { runtime: 'local' | 'docker' },
  seed: number,
  kills = 4,
): Promise<ReturnType<typeof deadmanFigures>> {
  const results: KillResult[] = [];
  for (const kill of deadmanPlan(seed, kills, ctx.runtime)) {
    const result = await killOnce(kill, ctx);
    results.push(result);
    expect(result.leftAtLimit, `kill ${kill.i} in ${kill.stage} (+${kill.delayMs} ms, after "${result.lastLine}")`).toEqual({
      processes: [],
      containers: [],
      networks: [],
      toxics: [],
      ledgers: [],
      tempDirs: [],
    });
  }
  const figures = deadmanFigures(ctx.runtime, results);
  console.log(
    `deadman ${ctx.runtime} (seed ${seed}): ${JSON.stringify(figures)}\n${results.map((r) => `  kill ${r.kill.i} ${r.kill.stage} +${r.kill.delayMs} ms: in ${r.landedIn} ("${r.lastLine.slice(0, 60)}"), ${r.toxicsAtKill.length} toxics, clean after ${r.teardownMs} ms`).join('\n')}`,
  );
  expect(Object.keys(figures.landedIn).sort()).toEqual(['boot', 'fault', 'load', 'teardown']);
  expect(figures.faultInForceAtKill).toBeGreaterThan(0);
  expect(figures.slowestTeardownMs).toBeLessThan(ctx.limitMs ?? 5_000);
  return figures;
}
