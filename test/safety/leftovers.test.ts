// What a ledger cannot name by pid is still found: a run killed between forking a child and
// writing its pid leaves a ledger entry with pid null; the child (and anything it forked)
// carries FAULTLINE_LEDGER=<runId> in its environment, or the run's temp dir in its command
// line, and cleanupLeftovers stops it by that.

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { which } from '../../harness/runtime/binaries.ts';
import { cleanupLeftovers, LEDGER_ENV, type LedgerData, openLedger, taggedProcesses } from '../../harness/runtime/ledger.ts';
import { processIdentity } from '../../harness/runtime/processes.ts';

const SLEEP = which('sleep') as string;
const spawned: ChildProcess[] = [];
const scratch = mkdtempSync(join(tmpdir(), 'faultline-leftovers-'));
afterEach(() => {
  for (const c of spawned.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function sleeper(args: string[], env: Record<string, string> = {}, file = SLEEP): ChildProcess {
  const child = spawn(file, args, { detached: true, stdio: 'ignore', env: { PATH: process.env.PATH ?? '', ...env } });
  spawned.push(child);
  return child;
}

/** A ledger left by a run that has died, whose child's pid was never written down. */
function deadRunLedger(stateDir: string, runId: string, tempDirs: string[]): void {
  const data: LedgerData = {
    version: 1,
    runId,
    owner: { pid: 999_999_999, startTime: '1' },
    createdAt: new Date().toISOString(),
    tempDirs,
    children: [{ name: 'postgres', argv: ['postgres'], pid: null, startTime: null, stopSignal: 'SIGINT', recordedAt: new Date().toISOString() }],
  };
  mkdirSync(stateDir, { recursive: true });
  writeFileSync(join(stateDir, `${runId}.json`), JSON.stringify(data));
}

describe('the ledger tag', () => {
  it('is what every child of the run gets in its environment', () => {
    const ledger = openLedger('tag-run', join(scratch, 'tag-state'));
    expect(ledger.env).toEqual({ [LEDGER_ENV]: 'tag-run' });
    ledger.close();
  });

  it('finds a run’s processes by their tag, and never another run’s', async () => {
    const mine = sleeper(['60'], { [LEDGER_ENV]: 'run-a' });
    const other = sleeper(['60'], { [LEDGER_ENV]: 'run-a-load' });
    await processIdentity(mine.pid as number);
    expect(await taggedProcesses('run-a')).toEqual([mine.pid]);
    expect(await taggedProcesses('run-a-load')).toEqual([other.pid]);
  });

  it('lets cleanupLeftovers stop a child the ledger has no pid for, found by tag or by temp dir', async () => {
    const stateDir = join(scratch, 'state');
    const tempDir = join(scratch, 'faultline-AbC123');
    mkdirSync(tempDir);
    const tagged = sleeper(['60'], { [LEDGER_ENV]: 'run-b' });
    const byDir = sleeper(['-c', 'sleep 60', `${tempDir}/pgdata`], {}, '/bin/sh'); // the dir is only in its command line
    deadRunLedger(stateDir, 'run-b', [tempDir]);
    const lines = await cleanupLeftovers(() => undefined, { stateDir, graceMs: 2000 });
    expect(lines.filter((l) => l.includes('not named by pid in its ledger')).length).toBe(2);
    expect(lines).toContain(`removed temp dir ${tempDir} of run run-b`);
    for (const child of [tagged, byDir]) expect(await processIdentity(child.pid as number)).toBeUndefined();
  });
});
