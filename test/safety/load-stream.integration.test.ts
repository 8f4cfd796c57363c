// The load path's failure modes, with real k6 and the real stack on the local runtime: a k6 built
// without faultline's output extension is refused before anything starts, and a runner that stops
// streaming mid-run (killed, or frozen) stops the run with exit 2 naming it, with its fault
// removed and nothing left running.

import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupLeftovers } from '../../harness/runtime/ledger.ts';
import { readVersions, toolDir, toolPath } from '../../harness/tools.ts';
import { startCli } from '../helpers/cli-process.ts';
import { ledgerOf } from '../helpers/deadman.ts';
import { leftoverProcesses } from '../helpers/processes.ts';

const SCENARIO = join(import.meta.dirname, 'fixtures', 'runner-loss.ts');
const root = mkdtempSync(join(tmpdir(), 'faultline-stream-'));
chmodSync(root, 0o755); // Postgres runs as its own user and must reach the runs' temp dirs
const stateDir = join(root, 'state');
const reportsDir = join(root, 'reports');
const env = { TMPDIR: root, FAULTLINE_STATE_DIR: stateDir };
afterAll(async () => {
  await cleanupLeftovers(() => undefined, { stateDir });
  rmSync(root, { recursive: true, force: true });
});

/** k6 as tools/versions.env pins it, built by xk6 with no extension at all (seconds with a warm Go build cache). */
function plainK6(dir: string): void {
  const version = readVersions().K6_VERSION;
  if (version === undefined) throw new Error('no K6_VERSION in tools/versions.env');
  execFileSync(join(toolDir('xk6'), 'xk6'), ['build', version, '--output', join(dir, 'k6')], {
    env: { ...process.env, GONOSUMDB: 'github.com/szkiba' },
    stdio: 'ignore',
    timeout: 600_000,
  });
  symlinkSync(toolPath('toxiproxy-server'), join(dir, 'toxiproxy-server'));
}

describe('the load stream fails the run loudly', () => {
  it('refuses a k6 built without the output extension before anything starts (exit 2)', { timeout: 660_000 }, async () => {
    const tools = join(root, 'plain-tools');
    mkdirSync(tools);
    plainK6(tools);
    expect(execFileSync(join(tools, 'k6'), ['version'], { encoding: 'utf8' })).not.toMatch(/faultline/);
    const cli = startCli([SCENARIO, '--runtime', 'local', '--report-dir', reportsDir], { ...env, FAULTLINE_TOOLS_DIR: tools });
    const exit = await cli.exited;
    expect(exit.code, cli.stderr()).toBe(2);
    expect(cli.stderr()).toMatch(/built without faultline's output extension \(tools\/xk6-faultline\).*npm run setup/);
    expect(cli.stderr()).not.toMatch(/stack ready|load started/);
    expect(leftoverProcesses(root, { markerOnly: true })).toEqual([]);
  });

  for (const [how, signal, cause] of [
    ['killed', 'SIGKILL', /k6 runner 1 \(segment 1\/2:1\) stopped streaming: its connection closed after \d+ requests without an end line/],
    ['frozen', 'SIGSTOP', /k6 runner 1 \(segment 1\/2:1\) stopped streaming: nothing for \d+\.\d s/],
  ] as const) {
    it(`stops the run with exit 2 when a runner is ${how} mid-fault, removing the fault and leaving nothing`, { timeout: 120_000 }, async () => {
      const cli = startCli([SCENARIO, '--runtime', 'local', '--runners', '2', '--report-dir', reportsDir], env);
      const runId = (await cli.line(/^ {2}run (\S+): runner-loss/))[1] as string;
      await cli.line(/^ {2}fault landed/);
      const runner = ledgerOf(stateDir, `${runId}-load`)?.children.find((c) => c.name === 'k6-1');
      expect(runner?.pid, 'the load ledger names runner 1').toBeGreaterThan(0);
      process.kill(runner?.pid as number, signal);
      const exit = await cli.exited;
      expect(exit.code, cli.stderr()).toBe(2);
      expect(cli.stderr()).toMatch(cause);
      expect(cli.stderr()).toMatch(/fault removed/);
      expect(cli.stderr()).not.toMatch(/PASS|FAIL {2}/);
      expect(leftoverProcesses(root, { markerOnly: true })).toEqual([]);
    });
  }
});
