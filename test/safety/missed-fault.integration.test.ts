// No vacuous verdicts, end to end: a fault aimed at an edge the system does not use while the
// fault is in force is reported inconclusive (exit 1), with the byte counts that show it missed.
// With `--disable fallback` the catalog neither writes nor reads its last-known-good copy in
// Redis, so catalog->redis carries no traffic at all during the run (with the fallback on, every
// good read refreshes the copy and the edge is busy). The other side, a fault on a busy edge
// counted as landed, is test/e2e/postgres-latency's `faults[0].landed`.

import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../../harness/types.ts';
import { startCli } from '../helpers/cli-process.ts';
import { leftoverProcesses } from '../helpers/processes.ts';

const SCENARIO = join(import.meta.dirname, 'fixtures', 'redis-latency-unused.ts');
const tmp = mkdtempSync(join(tmpdir(), 'faultline-missed-'));
chmodSync(tmp, 0o755); // Postgres runs as its own user and must reach the run's temp dir
const env = { TMPDIR: tmp, FAULTLINE_STATE_DIR: join(tmp, 'state') };
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function run(extra: string[]): Promise<{ code: number | null; result: RunResult; stderr: string }> {
  const cli = startCli([SCENARIO, '--runtime', 'local', '--json', '--seed', '3', '--report-dir', join(tmp, 'reports'), ...extra], env);
  const { code } = await cli.exited;
  return { code, result: JSON.parse(cli.stdout()) as RunResult, stderr: cli.stderr() };
}

describe('a fault on an edge with no traffic', () => {
  it('is inconclusive, not a pass, and the why names the byte counts', { timeout: 90_000 }, async () => {
    const { code, result, stderr } = await run(['--disable', 'fallback']);
    expect(code, stderr).toBe(1);
    expect(result.verdict).toBe('inconclusive');
    const fault = result.checks.find((c) => c.kind === 'fault');
    expect(fault?.status).toBe('inconclusive');
    expect(fault?.why).toMatch(/no traffic crossed catalog->redis while the fault was in force: 0 bytes client->server and 0 bytes server->client crossed it/);
    // everything else held: the missed fault alone makes the run inconclusive
    expect(result.checks.filter((c) => c.kind !== 'fault').every((c) => c.status === 'pass')).toBe(true);
    expect(leftoverProcesses(tmp, { markerOnly: true })).toEqual([]);
  });
});
