// The dead man's switch on the local runtime, through the CLI as a user runs it (issue 16):
// - SIGKILLed at random moments (boot, load, fault in force, teardown), the harness leaves nothing
//   of its run within 2 s — no process, toxic, ledger or temp dir — with NO next run to clean up;
// - with --keep-up its Toxiproxy is left running on purpose, and lists no toxic once the lease has
//   run out (LEASE_TTL_MS after the last renewal);
// - a harness frozen for longer than the lease (SIGSTOP: a debugger pause) is not torn down: its
//   processes all live on, only its fault is lifted by the lease, and the run says so.
// `npm run bench -- deadman` does the 20-kill version and prints the figures.

import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { LEASE_TTL_MS } from '../../harness/faults/lease.ts';
import { cleanupLeftovers } from '../../harness/runtime/ledger.ts';
import { processIdentity } from '../../harness/runtime/processes.ts';
import { startCli } from '../helpers/cli-process.ts';
import { cleanUpAfter, expectKillsLeaveNothing, ledgerOf, toxicsAt } from '../helpers/deadman.ts';
import { leftoverProcesses } from '../helpers/processes.ts';

const SCENARIO = join(import.meta.dirname, 'fixtures', 'kill-short.ts');
const SEED = 16;
const scratch = mkdtempSync(join(tmpdir(), 'faultline-deadman-'));
chmodSync(scratch, 0o755); // Postgres runs as its own user and must reach the runs' temp dirs
const stateDir = join(scratch, 'state');
afterAll(async () => {
  await cleanUpAfter(scratch); // a failed assertion must not leave a stack
  rmSync(scratch, { recursive: true, force: true });
}, 60_000);

const alive = async (pid: number, startTime: string | null): Promise<boolean> => (await processIdentity(pid))?.startTime === startTime;

describe('the harness killed with SIGKILL, with no run after it', () => {
  it('leaves no process, toxic, ledger or temp dir of its run 2 s later, wherever it died', { timeout: 120_000 }, async () => {
    await expectKillsLeaveNothing({ runtime: 'local', scenario: SCENARIO, scratch, limitMs: 2_000 }, SEED);
  });

  it(`--keep-up: its Toxiproxy stays up on purpose, and lists no toxic once the ${LEASE_TTL_MS} ms lease has run out`, { timeout: 60_000 }, async () => {
    const marker = join(scratch, 'keep-up');
    mkdirSync(marker, { mode: 0o755 });
    const cli = startCli([SCENARIO, '--runtime', 'local', '--keep-up', '--seed', '5', '--report-dir', join(scratch, 'reports')], {
      TMPDIR: marker,
      FAULTLINE_STATE_DIR: stateDir,
    });
    const runId = (await cli.line(/^ {2}run (\S+): /))[1] as string;
    const url = `http://${(await cli.line(/toxiproxy on (127\.0\.0\.1:\d+) ready/))[1]}`;
    await cli.line(/^ {2}fault landed/);
    const toxiproxy = ledgerOf(stateDir, runId)?.children.find((c) => c.name === 'toxiproxy');
    const atKill = (await toxicsAt(url)) ?? [];
    expect(atKill.sort()).toEqual([
      'catalog_to_postgres/faultline-0-latency',
      'catalog_to_postgres/faultline-0-latency-bytes-downstream',
      'catalog_to_postgres/faultline-0-latency-bytes-upstream',
    ]);
    cli.child.kill('SIGKILL');
    const killedAt = performance.now();
    await cli.exited;
    expect(((await toxicsAt(url)) ?? []).sort(), 'right after the kill: the lease has not run out yet').toEqual(atKill);
    let toxics = atKill;
    while (toxics.length > 0 && performance.now() - killedAt < LEASE_TTL_MS + 3_000) {
      await sleep(50);
      toxics = (await toxicsAt(url)) ?? ['(its API does not answer)'];
    }
    const leaseRanOutAfterMs = Math.round(performance.now() - killedAt);
    console.log(`deadman keep-up: the toxics went ${leaseRanOutAfterMs} ms after the SIGKILL (lease ${LEASE_TTL_MS} ms, renewed every 1 s)`);
    expect(toxics).toEqual([]);
    expect(leaseRanOutAfterMs).toBeLessThanOrEqual(LEASE_TTL_MS + 300); // the last renewal came before the kill; the server sweeps every 100 ms
    expect(leaseRanOutAfterMs).toBeGreaterThan(LEASE_TTL_MS - 1_300);
    // kept up on purpose: the Toxiproxy process (and the whole stack) still runs; the load is stopped
    expect(await alive(toxiproxy?.pid as number, toxiproxy?.startTime ?? null)).toBe(true);
    expect(leftoverProcesses(marker, { markerOnly: true }).filter((p) => p.includes('/k6 '))).toEqual([]);
    // the next run (here its cleanup alone) takes it down, as before
    expect((await cleanupLeftovers(() => undefined, { stateDir })).some((l) => l.includes(`stopped leftover toxiproxy`))).toBe(true);
    expect(leftoverProcesses(marker, { markerOnly: true })).toEqual([]);
  });

  it('is not torn down while frozen longer than its lease; the lease lifts its fault and the run is inconclusive', { timeout: 60_000 }, async () => {
    const marker = join(scratch, 'frozen');
    mkdirSync(marker, { mode: 0o755 });
    const cli = startCli([SCENARIO, '--runtime', 'local', '--seed', '6', '--report-dir', join(scratch, 'reports')], {
      TMPDIR: marker,
      FAULTLINE_STATE_DIR: stateDir,
    });
    const url = `http://${(await cli.line(/toxiproxy on (127\.0\.0\.1:\d+) ready/))[1]}`;
    await cli.line(/^ {2}fault landed/);
    const processes = leftoverProcesses(marker, { markerOnly: true });
    cli.child.kill('SIGSTOP'); // a debugger pause
    await sleep(LEASE_TTL_MS + 1_500);
    const toxicsWhileFrozen = await toxicsAt(url);
    const stillRunning = leftoverProcesses(marker, { markerOnly: true });
    cli.child.kill('SIGCONT');
    const exit = await cli.exited;
    expect(toxicsWhileFrozen, 'the fault was lifted by its lease').toEqual([]);
    // nothing was torn down: every process of the run ran through the freeze (k6 may have finished its 4 s)
    expect(processes.filter((p) => !p.includes('/k6 ') && !stillRunning.includes(p))).toEqual([]);
    expect(exit.code, cli.stderr()).toBe(1); // inconclusive: the fault did not hold until its end
    expect(cli.stderr()).toMatch(/lease ran out: Toxiproxy removed the toxic \(catalog_to_postgres\/toxics\/faultline-0-latency\)/);
    expect(cli.stderr()).toContain(
      'toxic faultline-0-latency had vanished from catalog_to_postgres before its scheduled end (its lease ran out: the harness had not renewed it for 5000 ms, and Toxiproxy removed the toxic)',
    );
    expect(leftoverProcesses(marker, { markerOnly: true })).toEqual([]);
  });
});
