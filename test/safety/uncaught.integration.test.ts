// The last resort: an error nothing in the harness caught (thrown from a timer, or a rejected
// promise nobody awaited) arrives while a fault is in force. The CLI must say what it was, take
// the signals' path (stop the load, remove the fault, stop the stack) and exit 2, leaving no
// process, temp dir, ledger or Toxiproxy (whose memory is where the toxics live) behind.

import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupLeftovers, type LedgerData } from '../../harness/runtime/ledger.ts';
import { processIdentity } from '../../harness/runtime/processes.ts';
import { startCli } from '../helpers/cli-process.ts';
import { leftoverProcesses } from '../helpers/processes.ts';

const SCENARIO = join(import.meta.dirname, 'fixtures', 'uncaught-short.ts');
const root = mkdtempSync(join(tmpdir(), 'faultline-uncaught-'));
chmodSync(root, 0o755); // Postgres runs as its own user and must reach the runs' temp dirs
const stateDir = join(root, 'state');
const reportsDir = join(root, 'reports');
afterAll(async () => {
  await cleanupLeftovers(() => undefined, { stateDir });
  rmSync(root, { recursive: true, force: true });
});

describe('an uncaught error during a fault', () => {
  it.each([
    ['exception', 'Error: test fixture: an exception nobody caught'],
    ['rejection', 'Error: test fixture: a rejection nobody awaited'],
  ])('an uncaught %s: printed, fault removed, stack stopped, exit 2', { timeout: 90_000 }, async (how, message) => {
    const marker = join(root, how);
    mkdirSync(marker, { mode: 0o755 });
    const cli = startCli([SCENARIO, '--runtime', 'local', '--seed', '5', '--report-dir', reportsDir], {
      TMPDIR: marker,
      FAULTLINE_STATE_DIR: stateDir,
      FAULTLINE_TEST_UNCAUGHT: how,
    });
    const runId = (await cli.line(/^ {2}run (\S+): uncaught-short/))[1] as string;
    await cli.line(/^ {2}fault landed/);
    const ledger = JSON.parse(readFileSync(join(stateDir, `${runId}.json`), 'utf8')) as LedgerData;
    const toxiproxy = ledger.children.find((c) => c.name === 'toxiproxy');
    expect(toxiproxy?.pid, 'the run started its Toxiproxy').toBeTypeOf('number');
    const exit = await cli.exited;
    const stderr = cli.stderr();
    expect(exit, stderr).toEqual({ code: 2, signal: null });
    expect(stderr).toContain(`faultline: uncaught error: ${message}`);
    expect(stderr).toContain('cleaning up (faults, load, stack)');
    expect(stderr).toMatch(/interrupted: stopping load, removing faults, stopping the stack/);
    expect(leftoverProcesses(marker, { markerOnly: true })).toEqual([]);
    expect(readdirSync(marker).filter((d) => d.startsWith('faultline-'))).toEqual([]);
    expect(existsSync(join(stateDir, `${runId}.json`))).toBe(false);
    const still = await processIdentity(toxiproxy?.pid as number);
    expect(still !== undefined && still.startTime === toxiproxy?.startTime, 'its Toxiproxy (and the toxics in its memory) is gone').toBe(false);
  });

  it('with its output closed (the reader gone): still cleans up and exits 2, instead of spinning on EPIPE', { timeout: 90_000 }, async () => {
    const marker = join(root, 'closed');
    mkdirSync(marker, { mode: 0o755 });
    const cli = startCli([SCENARIO, '--runtime', 'local', '--seed', '5', '--report-dir', reportsDir], {
      TMPDIR: marker,
      FAULTLINE_STATE_DIR: stateDir,
      FAULTLINE_TEST_UNCAUGHT: 'exception',
      FAULTLINE_TEST_UNCAUGHT_DELAY_MS: '800',
    });
    const runId = (await cli.line(/^ {2}run (\S+): uncaught-short/))[1] as string;
    await cli.line(/^ {2}fault landed/);
    // the reader goes away before the error: every write from now on (the error's report, the
    // progress, the clean-up lines) fails with EPIPE
    cli.child.stdout?.destroy();
    cli.child.stderr?.destroy();
    const exit = await cli.exited;
    expect(exit).toEqual({ code: 2, signal: null });
    expect(leftoverProcesses(marker, { markerOnly: true })).toEqual([]);
    expect(existsSync(join(stateDir, `${runId}.json`))).toBe(false);
  });
});
