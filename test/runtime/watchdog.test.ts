// The watchdog against real processes, with a stand-in harness (fixtures/fake-harness.ts) whose
// children are in a ledger: SIGKILL the harness and every child, grandchild (in a session of its
// own) and one that ignores SIGTERM is gone within 2 s, with the ledger; a harness frozen for
// longer than that (SIGSTOP: a debugger pause) loses nothing; a released watchdog leaves at once;
// with --keep-up the children stay up.

import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupLeftovers } from '../../harness/runtime/ledger.ts';
import { processIdentity } from '../../harness/runtime/processes.ts';

const FAKE = join(import.meta.dirname, 'fixtures', 'fake-harness.ts');
const scratch = mkdtempSync(join(tmpdir(), 'faultline-watchdog-'));
const stateDir = join(scratch, 'state');
const harnesses: ChildProcess[] = [];
afterAll(async () => {
  for (const h of harnesses) if (h.exitCode === null && h.signalCode === null) h.kill('SIGKILL');
  await sleep(100);
  await cleanupLeftovers(() => undefined, { stateDir, graceMs: 200 });
  rmSync(scratch, { recursive: true, force: true });
});

interface Started {
  harness: ChildProcess;
  runId: string;
  runDir: string;
  pids: { watchdog: number; children: number[]; grandchildren: number[] };
  exited: Promise<unknown>;
}

async function startHarness(runId: string, mode?: string): Promise<Started> {
  const runDir = join(scratch, runId);
  const harness = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', FAKE, runId, runDir, stateDir, ...(mode ? [mode] : [])], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  harnesses.push(harness);
  const exited = new Promise((r) => harness.once('exit', r));
  const pids = await new Promise<Started['pids']>((resolve, reject) => {
    let out = '';
    harness.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /READY (.*)\n/.exec(out);
      if (m) resolve(JSON.parse(m[1] as string) as Started['pids']);
    });
    harness.once('exit', (code) => reject(new Error(`the fake harness exited (${code}) before it was ready: ${out}`)));
  });
  return { harness, runId, runDir, pids, exited };
}

const running = async (pids: readonly number[]): Promise<number[]> =>
  (await Promise.all(pids.map(async (p) => ((await processIdentity(p)) ? p : 0)))).filter((p) => p > 0);
const everything = (s: Started): number[] => [s.pids.watchdog, ...s.pids.children, ...s.pids.grandchildren];
const watchdogLog = (s: Started): string => readFileSync(join(s.runDir, 'logs', 'watchdog.log'), 'utf8');

/** Milliseconds until none of `pids` runs, or Infinity after `limitMs`. */
async function goneWithin(pids: readonly number[], limitMs: number): Promise<number> {
  const start = performance.now();
  while (performance.now() - start < limitMs) {
    if ((await running(pids)).length === 0) return performance.now() - start;
    await sleep(20);
  }
  return Infinity;
}

describe('the watchdog', () => {
  it('tears the run down within 2 s of a SIGKILL of its harness: children, grandchildren, the stubborn one, the ledger', async () => {
    const s = await startHarness('killed');
    expect(await running(everything(s))).toEqual(everything(s));
    expect(s.pids.grandchildren.length).toBeGreaterThan(0);
    s.harness.kill('SIGKILL');
    await s.exited;
    const ms = await goneWithin(everything(s), 3000);
    expect(ms, `still running: ${await running(everything(s))}`).toBeLessThan(2000);
    expect(existsSync(join(stateDir, 'killed.json'))).toBe(false);
    expect(watchdogLog(s)).toMatch(/harness pid \d+ is gone \(its pipe closed\): tearing the run down/);
    expect(watchdogLog(s)).toMatch(new RegExp(`SIGKILL to \\d+ that outlived their stop signal by 1000 ms: .*\\b${s.pids.children[1]}\\b`));
  });

  it('tears nothing down while its harness lives, however long it is frozen', async () => {
    const s = await startHarness('frozen');
    s.harness.kill('SIGSTOP'); // a debugger pause, or a suspended job
    await sleep(3000);
    expect(await running(everything(s)), 'frozen 3 s').toEqual(everything(s));
    s.harness.kill('SIGCONT');
    await sleep(200);
    expect(await running(everything(s))).toEqual(everything(s));
    s.harness.kill('SIGKILL');
    expect(await goneWithin(everything(s), 3000)).toBeLessThan(2000);
  });

  it('leaves at once when released, touching nothing', async () => {
    const s = await startHarness('released', 'release');
    await s.exited;
    expect(await running([s.pids.watchdog]), 'gone by the time release() resolved').toEqual([]);
    expect(watchdogLog(s)).toMatch(/released: the run stopped what it started\n$/);
  });

  it('spares a --keep-up stack', async () => {
    const s = await startHarness('kept', 'keep-up');
    s.harness.kill('SIGKILL');
    expect(await goneWithin([s.pids.watchdog], 3000)).toBeLessThan(2000);
    expect(await running([...s.pids.children, ...s.pids.grandchildren])).toEqual([...s.pids.children, ...s.pids.grandchildren]);
    expect(watchdogLog(s)).toContain('sparing the kept-up stack (--keep-up)');
    // the second line of defence still finds it: the next run's cleanup
    const lines = await cleanupLeftovers(() => undefined, { stateDir, graceMs: 200 });
    expect(lines.filter((l) => l.includes('of run kept')).length).toBeGreaterThanOrEqual(2);
    expect(await goneWithin([...s.pids.children, ...s.pids.grandchildren], 3000)).toBeLessThan(2000);
  });
});
