// Kills the harness at 20 seeded-random moments of a short real run (boot, load, fault,
// teardown; SIGINT, SIGTERM and SIGKILL mixed, some with a second Ctrl-C during the cleanup) and
// proves after each that nothing of the killed run is left: no process, no toxic, no temp dir,
// no ledger. SIGINT and SIGTERM must leave nothing on their own; after SIGKILL the next run
// must clean up before it boots, saying what it found, each finding once.
// The moments are picked from the run's own progress lines plus a seeded random delay, so the
// test is reproducible and does not depend on how fast the machine is.
//
// Toxics: Toxiproxy keeps them only in the memory of its server process (faultline gives it no
// state file), so "no toxic left" is proven by that process being gone, named by pid and start time
// from the killed run's ledger. Asking its API port instead proves nothing: a stopped server and
// one that never started both "have no toxics". To show the check can see a toxic at all, each
// kill asks the run's Toxiproxy for its toxics just before the signal: a kill that finds one landed
// while a fault was in force; after such a SIGKILL the toxics are still listed right after the
// kill (the server outlived the harness: exactly what the next run must clean up), and the next
// run's Toxiproxy is another process.

import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupLeftovers, type LedgerData } from '../../harness/runtime/ledger.ts';
import { processIdentity } from '../../harness/runtime/processes.ts';
import { type CliProcess, startCli } from '../helpers/cli-process.ts';
import { lastProgressLine, mulberry32, toxicsAt } from '../helpers/deadman.ts';
import { leftoverProcesses } from '../helpers/processes.ts';

const SCENARIO = join(import.meta.dirname, 'fixtures', 'kill-short.ts');
const SEED = 8;
const root = mkdtempSync(join(tmpdir(), 'faultline-kill-'));
chmodSync(root, 0o755); // Postgres runs as its own user and must reach the runs' temp dirs
const stateDir = join(root, 'state');
const reportsDir = join(root, 'reports');
afterAll(async () => {
  await cleanupLeftovers(() => undefined, { stateDir }); // a failed assertion must not leave a stack
  rmSync(root, { recursive: true, force: true });
});

type Stage = 'boot' | 'load' | 'fault' | 'teardown';
type KillSignal = 'SIGINT' | 'SIGTERM' | 'SIGKILL';
const STAGE_LINE: Record<Stage, RegExp> = {
  boot: /^ {2}run (\S+): kill-short/,
  load: /^ {2}load started/,
  fault: /^ {2}fault (landed|did NOT land)/,
  teardown: /^ {2}teardown:/,
};
/** how long after the stage's line the kill may come, at most */
const STAGE_SPREAD_MS: Record<Stage, number> = { boot: 3000, load: 1200, fault: 800, teardown: 150 };

interface Kill {
  i: number;
  stage: Stage;
  signal: KillSignal;
  delayMs: number;
  /** a second Ctrl-C while it cleans up */
  twice: boolean;
}

/** 20 kills, mostly early (a late one costs a whole boot and run): 10 in boot, 4 in load, 3 in fault, 3 in teardown. */
function killPlan(seed: number): Kill[] {
  const rng = mulberry32(seed);
  const shuffle = <T>(items: T[]): T[] => {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(rng() * (i + 1));
      [items[i], items[j]] = [items[j] as T, items[i] as T];
    }
    return items;
  };
  const repeat = <const T>(item: T, n: number): T[] => Array.from({ length: n }, () => item);
  const stages = shuffle<Stage>([...repeat('boot', 10), ...repeat('load', 4), ...repeat('fault', 3), ...repeat('teardown', 3)]);
  const signals = shuffle<KillSignal>([...repeat('SIGINT', 7), ...repeat('SIGTERM', 6), ...repeat('SIGKILL', 7)]);
  return stages.map((stage, i) => {
    const signal = signals[i] as KillSignal;
    return { i, stage, signal, delayMs: Math.round(rng() * STAGE_SPREAD_MS[stage]), twice: signal !== 'SIGKILL' && rng() < 0.3 };
  });
}

/** The killed run's Toxiproxy server: its API and the process (from the run's ledger) that holds its toxics. */
interface ToxiproxyOf {
  url?: string;
  pid?: number;
  startTime?: string;
}

/** What a killed run is known by, and what it left behind right after the kill. */
interface Killed {
  kill: Kill;
  marker: string;
  runId?: string;
  toxiproxy: ToxiproxyOf;
  /** toxics its Toxiproxy listed just before the signal (non-empty: a fault was in force) */
  toxicsAtKill: string[];
  /** whether the signal found the run already finished (nothing left to interrupt) */
  endedBeforeKill: boolean;
  lastLine: string;
  left: { processes: string[]; tempDirs: string[]; ledgers: string[] };
}

const tempDirsIn = (marker: string): string[] => (existsSync(marker) ? readdirSync(marker).filter((d) => d.startsWith('faultline-')) : []);
const ledgersOf = (runId: string | undefined): string[] =>
  runId === undefined || !existsSync(stateDir) ? [] : readdirSync(stateDir).filter((f) => f === `${runId}.json` || f === `${runId}-load.json`);

/** The run's Toxiproxy as its ledger names it (pid and start time), once it has been started. */
function toxiproxyOf(runId: string | undefined, stderr: string): ToxiproxyOf {
  const url = /toxiproxy on (127\.0\.0\.1:\d+) ready/.exec(stderr)?.[1];
  const out: ToxiproxyOf = url === undefined ? {} : { url: `http://${url}` };
  try {
    const ledger = JSON.parse(readFileSync(join(stateDir, `${runId}.json`), 'utf8')) as LedgerData;
    const child = ledger.children.find((c) => c.name === 'toxiproxy' && c.pid !== null && c.startTime !== null);
    if (child) Object.assign(out, { pid: child.pid as number, startTime: child.startTime as string });
  } catch {
    // no ledger yet (killed before it was written) or no longer (a clean stop deleted it)
  }
  return out;
}

/** The killed run's Toxiproxy process, if it still runs, with the toxics it holds: its toxics live only there. */
async function toxiproxyLeft(t: ToxiproxyOf): Promise<string[]> {
  if (t.pid === undefined) return [];
  const now = await processIdentity(t.pid);
  if (now === undefined || now.startTime !== t.startTime) return [];
  return [`toxiproxy pid ${t.pid} still runs, holding toxics: ${JSON.stringify((await toxicsAt(t.url)) ?? 'its API does not answer')}`];
}

async function expectNothingLeftOf(killed: Killed): Promise<void> {
  const what = `kill ${killed.kill.i} (${killed.kill.signal} after "${killed.lastLine}")`;
  expect(leftoverProcesses(killed.marker, { markerOnly: true }), `${what}: processes`).toEqual([]);
  expect(tempDirsIn(killed.marker), `${what}: temp dirs`).toEqual([]);
  expect(ledgersOf(killed.runId), `${what}: ledgers`).toEqual([]);
  expect(await toxiproxyLeft(killed.toxiproxy), `${what}: toxics (its Toxiproxy process)`).toEqual([]);
}

/** The next run cleaned up after `previous` before it named its own run (before it booted). */
async function expectStartedClean(previous: Killed, next: CliProcess): Promise<string[]> {
  const text = next.stderr();
  const at = text.search(/\n {2}run \S+: kill-short/);
  const before = at < 0 ? text : text.slice(0, at);
  await expectNothingLeftOf(previous);
  // a local run also removes what killed docker runs left on this engine (other runs than these)
  const found = before
    .split('\n')
    .filter((l) => l.includes('cleaned up: ') && !/cleaned up: (removed|could not remove) (container|network) faultline-/.test(l));
  expect(new Set(found).size, `each finding printed once:\n${found.join('\n')}`).toBe(found.length);
  const left = previous.left.processes.length + previous.left.tempDirs.length + previous.left.ledgers.length;
  if (previous.kill.signal !== 'SIGKILL') expect(found, 'a run stopped by SIGINT/SIGTERM leaves nothing to clean up').toEqual([]);
  else if (left > 0) expect(before).toContain(`run ${previous.runId} ended without stopping its stack: cleaning up after it`);
  return found;
}

/** Which stage a run was in, judged by its last progress line. */
function stageOf(lastLine: string): Stage {
  if (lastLine.startsWith('teardown')) return 'teardown';
  if (/^fault (landed|did NOT land)|\] fault /.test(lastLine)) return 'fault';
  if (/^load started|^fault removed|\] (baseline|recovery) /.test(lastLine)) return 'load';
  return 'boot';
}

const figures = {
  kills: 0,
  bySignal: {} as Record<string, number>,
  landedIn: {} as Record<string, number>,
  leftAfterSigkill: { processes: 0, tempDirs: 0, ledgers: 0 },
  cleanupLines: 0,
  leftAfterGraceful: 0,
  endedBeforeKill: 0,
  secondCtrlCDuringCleanup: 0,
  /** kills that found toxics in the run's Toxiproxy just before the signal */
  faultInForceAtKill: 0,
  /** of those, SIGKILLs whose toxics were still listed right after the kill (gone only once the next run cleaned up) */
  toxicsOutlivedSigkill: 0,
  /** runs whose Toxiproxy was checked to be another process than the killed run's before it */
  newToxiproxyAfterKill: 0,
};

async function killOne(kill: Kill, previous: Killed | undefined): Promise<Killed> {
  const marker = join(root, `kill-${kill.i}`);
  mkdirSync(marker, { mode: 0o755 });
  // no watchdog: this tests the second line of defence, the ledger and the next run's cleanup
  // (test/safety/deadman.integration.test.ts tests the first, the watchdog and the leases)
  const cli = startCli([SCENARIO, '--runtime', 'local', '--seed', String(100 + kill.i), '--report-dir', reportsDir], {
    TMPDIR: marker,
    FAULTLINE_STATE_DIR: stateDir,
    FAULTLINE_WATCHDOG: 'off',
  });
  try {
    const runLine = await cli.line(STAGE_LINE.boot);
    if (previous) figures.cleanupLines += (await expectStartedClean(previous, cli)).length;
    if (kill.stage !== 'boot') await cli.line(STAGE_LINE[kill.stage]);
    await sleep(kill.delayMs);
    const toxiproxy = toxiproxyOf(runLine[1], cli.stderr());
    const toxicsAtKill = (await toxicsAt(toxiproxy.url)) ?? [];
    const lastLine = lastProgressLine(cli.stderr());
    if (previous?.toxiproxy.pid !== undefined && toxiproxy.pid !== undefined) {
      expect(`${toxiproxy.pid}:${toxiproxy.startTime}`, 'the next run has a Toxiproxy of its own').not.toBe(
        `${previous.toxiproxy.pid}:${previous.toxiproxy.startTime}`,
      );
      figures.newToxiproxyAfterKill++;
      if (stageOf(lastLine) === 'boot') expect(toxicsAtKill, 'a new Toxiproxy carries no toxic over').toEqual([]);
    }
    let delivered = true;
    try {
      process.kill(cli.pid, kill.signal);
    } catch {
      delivered = false; // it had already finished
    }
    let second = false;
    if (delivered && kill.twice) {
      await cli.line(/cleaning up \(faults, load, stack\)/).catch(() => undefined);
      try {
        process.kill(cli.pid, 'SIGINT');
        second = true;
      } catch {
        // done cleaning up already
      }
    }
    const exit = await cli.exited;
    const finished = exit.code === 0 || exit.code === 1;
    const killed: Killed = {
      kill,
      marker,
      runId: runLine[1],
      toxiproxy,
      toxicsAtKill,
      endedBeforeKill: !delivered || (kill.signal !== 'SIGKILL' && finished),
      lastLine,
      left: { processes: leftoverProcesses(marker, { markerOnly: true }), tempDirs: tempDirsIn(marker), ledgers: ledgersOf(runLine[1]) },
    };
    figures.kills++;
    figures.bySignal[kill.signal] = (figures.bySignal[kill.signal] ?? 0) + 1;
    const landed = stageOf(lastLine);
    figures.landedIn[landed] = (figures.landedIn[landed] ?? 0) + 1;
    if (killed.endedBeforeKill) figures.endedBeforeKill++;
    if (toxicsAtKill.length > 0) figures.faultInForceAtKill++;
    if (kill.signal === 'SIGKILL') {
      expect(exit.signal).toBe('SIGKILL');
      // the positive control: the harness is dead and its fault is still in force (unless the kill
      // came just as the run was removing it: then it said so before it died)
      if (toxicsAtKill.length > 0 && !cli.stderr().includes('fault removed')) {
        expect(await toxicsAt(toxiproxy.url), 'toxics right after the SIGKILL').toEqual(toxicsAtKill);
        figures.toxicsOutlivedSigkill++;
      }
      figures.leftAfterSigkill.processes += killed.left.processes.length;
      figures.leftAfterSigkill.tempDirs += killed.left.tempDirs.length;
      figures.leftAfterSigkill.ledgers += killed.left.ledgers.length;
      return killed;
    }
    // SIGINT / SIGTERM: the run cleans up after itself, and says so
    if (!finished) {
      // a second Ctrl-C that came after the cleanup, as the process exited, ends it by the default action
      if (!(second && exit.signal === 'SIGINT')) expect(exit, cli.stderr()).toEqual({ code: 130, signal: null });
      expect(cli.stderr()).toContain(`${kill.signal}: cleaning up (faults, load, stack)`);
      if (second && cli.stderr().includes('SIGINT again: still cleaning up so nothing is left behind')) figures.secondCtrlCDuringCleanup++;
    }
    const left = killed.left.processes.length + killed.left.tempDirs.length + killed.left.ledgers.length;
    figures.leftAfterGraceful += left;
    await expectNothingLeftOf(killed);
    return killed;
  } catch (error) {
    await stopCli(cli);
    throw error;
  }
}

/** After a failed assertion: let the run clean up after itself before the next test. */
async function stopCli(cli: CliProcess): Promise<void> {
  cli.child.kill('SIGINT');
  await cli.exited;
}

describe('the harness killed at random moments', () => {
  it('leaves no process, toxic, temp dir or ledger behind: by itself on SIGINT/SIGTERM, through the next run after SIGKILL', { timeout: 300_000 }, async () => {
    const plan = killPlan(SEED);
    let previous: Killed | undefined;
    for (const kill of plan) previous = await killOne(kill, previous);
    if (previous?.kill.signal === 'SIGKILL') {
      figures.cleanupLines += (await cleanupLeftovers(() => undefined, { stateDir })).length;
      await expectNothingLeftOf(previous);
    }
    expect(figures.kills).toBe(20);
    expect(figures.leftAfterGraceful).toBe(0);
    // the SIGKILLs that landed after boot began really left a stack behind, and it was found
    expect(figures.leftAfterSigkill.ledgers).toBeGreaterThan(0);
    expect(figures.cleanupLines).toBeGreaterThan(0);
    expect(figures.secondCtrlCDuringCleanup).toBeGreaterThan(0);
    // the moments are real: kills landed in every stage, and few came after the run had ended
    expect(Object.keys(figures.landedIn).sort()).toEqual(['boot', 'fault', 'load', 'teardown']);
    expect(figures.endedBeforeKill).toBeLessThanOrEqual(3);
    // the toxic check saw toxics where there were some, so its "none left" means something
    expect(figures.faultInForceAtKill).toBeGreaterThan(0);
    expect(figures.toxicsOutlivedSigkill).toBeGreaterThan(0); // seed 8: two SIGKILLs during the fault, both still listed
    expect(figures.newToxiproxyAfterKill).toBeGreaterThan(0);
    console.log(`kill test figures (seed ${SEED}): ${JSON.stringify(figures)}`);
  });

  it('cleans up after a harness error mid-run (its Toxiproxy killed under it) and exits 2', { timeout: 60_000 }, async () => {
    const marker = join(root, 'error');
    mkdirSync(marker, { mode: 0o755 });
    const cli = startCli([SCENARIO, '--runtime', 'local', '--seed', '7', '--report-dir', reportsDir], { TMPDIR: marker, FAULTLINE_STATE_DIR: stateDir });
    let runId: string;
    try {
      runId = (await cli.line(STAGE_LINE.boot))[1] as string;
      await cli.line(STAGE_LINE.load);
      const ledger = JSON.parse(readFileSync(join(stateDir, `${runId}.json`), 'utf8')) as LedgerData;
      const toxiproxy = ledger.children.find((c) => c.name === 'toxiproxy');
      process.kill(toxiproxy?.pid as number, 'SIGKILL');
    } catch (error) {
      await stopCli(cli);
      throw error;
    }
    const exit = await cli.exited;
    expect(exit.code, cli.stderr()).toBe(2);
    expect(cli.stderr()).toMatch(/faultline: could not apply \+100 ms latency on catalog->postgres: /);
    expect(leftoverProcesses(marker, { markerOnly: true })).toEqual([]);
    expect(tempDirsIn(marker)).toEqual([]);
    expect(ledgersOf(runId)).toEqual([]);
  });
});
