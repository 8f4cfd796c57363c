// cleanupLeftovers against real processes: what a dead run recorded is stopped and removed,
// and a pid that now belongs to something else is never touched.

import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { which } from '../../harness/runtime/binaries.ts';
import { cleanupLeftovers, type LedgerChild, type LedgerData, openLedger } from '../../harness/runtime/ledger.ts';
import { processIdentity } from '../../harness/runtime/processes.ts';

const SLEEP = which('sleep') as string;
const spawned: ChildProcess[] = [];
const scratch: string[] = [];

function sleeper(seconds: string): ChildProcess {
  const child = spawn(SLEEP, [seconds], { detached: true, stdio: 'ignore' });
  spawned.push(child);
  return child;
}

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  scratch.push(dir);
  return dir;
}

/** A pid and start time that belong to no live process: a run that has died. */
async function deadOwner(): Promise<LedgerData['owner']> {
  const child = spawn(SLEEP, ['0']);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const startTime = (await processIdentity(child.pid as number))?.startTime ?? '1';
  await exited;
  return { pid: child.pid as number, startTime };
}

async function recorded(name: string, child: ChildProcess, argv: string[], startTime?: string): Promise<LedgerChild> {
  const identity = await processIdentity(child.pid as number);
  return {
    name,
    argv,
    pid: child.pid as number,
    startTime: startTime ?? identity?.startTime ?? null,
    stopSignal: 'SIGTERM',
    recordedAt: new Date().toISOString(),
  };
}

function writeLedger(stateDir: string, data: LedgerData): string {
  mkdirSync(stateDir, { recursive: true });
  const file = join(stateDir, `${data.runId}.json`);
  writeFileSync(file, JSON.stringify(data));
  return file;
}

afterEach(() => {
  for (const child of spawned.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const dir of scratch.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('cleanupLeftovers', () => {
  it('stops the recorded processes of a dead run, removes its temp dirs and its ledger', async () => {
    const stateDir = join(tempDir('ledger-test-'), 'state');
    const leftover = sleeper('60');
    const leftoverTemp = tempDir('faultline-');
    writeFileSync(join(leftoverTemp, 'data'), 'x');
    const file = writeLedger(stateDir, {
      version: 1,
      runId: 'dead-run',
      owner: await deadOwner(),
      createdAt: new Date().toISOString(),
      tempDirs: [leftoverTemp],
      children: [await recorded('postgres', leftover, [SLEEP, '60'])],
    });
    const progress: string[] = [];

    const lines = await cleanupLeftovers((l) => progress.push(l), { stateDir, graceMs: 1000 });

    expect(lines).toEqual([`stopped leftover postgres (pid ${leftover.pid}, SIGTERM) of run dead-run`, `removed temp dir ${leftoverTemp} of run dead-run`]);
    expect(progress).toEqual(['run dead-run ended without stopping its stack: cleaning up after it']);
    expect(await processIdentity(leftover.pid as number)).toBeUndefined();
    expect(existsSync(leftoverTemp)).toBe(false);
    expect(existsSync(file)).toBe(false);
  });

  it('leaves alone a recorded pid whose cmdline no longer matches, or that started later', async () => {
    const stateDir = join(tempDir('ledger-test-'), 'state');
    const other = sleeper('61');
    const reused = sleeper('62');
    const outside = tempDir('not-ours-');
    writeLedger(stateDir, {
      version: 1,
      runId: 'dead-run',
      owner: await deadOwner(),
      createdAt: new Date().toISOString(),
      tempDirs: [outside],
      children: [await recorded('redis', other, ['/usr/bin/redis-server', '--port', '6379']), await recorded('toxiproxy', reused, [SLEEP, '62'], '1')],
    });

    const lines = await cleanupLeftovers(() => undefined, { stateDir, graceMs: 1000 });

    expect(lines).toEqual([
      `pid ${reused.pid} (was toxiproxy of run dead-run) is another process now (started later): left alone`,
      `pid ${other.pid} (was redis of run dead-run) is another process now (now runs ${SLEEP} 61): left alone`,
      `did not remove "${outside}" from run dead-run: not a faultline temp dir`,
    ]);
    expect(await processIdentity(other.pid as number)).toBeDefined();
    expect(await processIdentity(reused.pid as number)).toBeDefined();
    expect(existsSync(outside)).toBe(true);
  });

  it('leaves alone the ledger of a run that is still alive', async () => {
    const stateDir = join(tempDir('ledger-test-'), 'state');
    const ledger = openLedger('live-run', stateDir);
    const child = sleeper('60');
    await ledger.willStart('redis', [SLEEP, '60']).started(child.pid as number);
    const progress: string[] = [];

    expect(await cleanupLeftovers((l) => progress.push(l), { stateDir })).toEqual([]);

    expect(progress).toEqual([`run live-run is still running (pid ${process.pid}): left alone`]);
    expect(await processIdentity(child.pid as number)).toBeDefined();
    const data = JSON.parse(readFileSync(ledger.file, 'utf8')) as LedgerData;
    expect(data.children[0]).toMatchObject({ name: 'redis', pid: child.pid, argv: [SLEEP, '60'] });
    ledger.close();
    expect(existsSync(ledger.file)).toBe(false);
  });

  it('removes a ledger it cannot read and finds nothing when there is no state dir', async () => {
    const stateDir = join(tempDir('ledger-test-'), 'state');
    expect(await cleanupLeftovers(() => undefined, { stateDir })).toEqual([]);
    mkdirSync(stateDir);
    writeFileSync(join(stateDir, 'torn.json'), '{"version": 1, "chil');
    const lines = await cleanupLeftovers(() => undefined, { stateDir });
    expect(lines).toEqual([expect.stringMatching(/^removed unreadable ledger .*torn\.json/)]);
    expect(existsSync(join(stateDir, 'torn.json'))).toBe(false);
  });
});
