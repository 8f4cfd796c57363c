// The walking skeleton end to end, through the CLI as a user runs it: the real stack (Postgres,
// Redis, Toxiproxy, the services) and real k6, on 127.0.0.1.

import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../harness/paths.ts';
import type { RunResult } from '../../harness/types.ts';
import { leftoverProcesses } from '../helpers/processes.ts';

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

// The runs' temp data (Postgres and Redis dirs) goes under this folder, so leftovers are ours.
const tmp = mkdtempSync(join(tmpdir(), 'faultline-e2e-'));
chmodSync(tmp, 0o755); // Postgres runs as its own user (we may be root) and must reach the runs' temp dirs
const reportsDir = join(tmp, 'reports');
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function chaos(args: string[], timeoutMs = 180_000): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--disable-warning=ExperimentalWarning', join(PROJECT_ROOT, 'harness/cli.ts'), ...args],
      { cwd: PROJECT_ROOT, timeout: timeoutMs, env: { ...process.env, NO_COLOR: '1', TMPDIR: tmp }, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : null, stdout, stderr }),
    );
  });
}

describe('postgres-latency on the local runtime', () => {
  it('passes with every pattern on, proves the toxic landed and writes the reports', { timeout: 240_000 }, async () => {
    const run = await chaos(['postgres-latency', '--runtime', 'local', '--json', '--seed', '42', '--report-dir', reportsDir]);
    // with --json the checks are only in stdout: a failure names the ones that did not pass
    const notPassed =
      run.code === 1
        ? (JSON.parse(run.stdout) as RunResult).checks
            .filter((c) => c.status !== 'pass')
            .map((c) => `${c.status} ${c.name} [${c.phase ?? ''} ${c.endpoint ?? ''}]: ${c.measured} vs ${c.threshold}: ${c.why}`)
        : [];
    expect(run.code, `${run.stderr}\n${notPassed.join('\n')}`).toBe(0);
    const result = JSON.parse(run.stdout) as RunResult;
    expect(result.verdict).toBe('pass');
    expect(result.faults[0]?.landed).toBe(true);
    const fault = result.summaries.find((s) => s.phase === 'fault' && s.endpoint === 'GET /products/:id');
    // the fallback really answered during the fault: degraded, not silently ok
    expect(fault?.degraded).toBeGreaterThan(0);
    const latest = realpathSync(join(reportsDir, 'latest'));
    for (const f of ['report.html', 'junit.xml', 'result.json', 'k6-stream-0.tsv.gz']) expect(existsSync(join(latest, f)), f).toBe(true);
    expect(JSON.parse(readFileSync(join(latest, 'result.json'), 'utf8')).runId).toBe(result.runId);
    expect(leftoverProcesses(tmp, { markerOnly: true })).toEqual([]);
  });

  it('fails with its protecting patterns off, naming the SLO with measured value and threshold', { timeout: 240_000 }, async () => {
    const run = await chaos(['postgres-latency', '--runtime', 'local', '--disable', 'breaker,fallback', '--seed', '42', '--report-dir', reportsDir]);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stdout).toMatch(
      /FAIL\s+availability >= 0\.99 \[fault GET \/products\/:id\]: measured 0(\.\d+)? ratio, interval \[0(\.\d+)?, 0\.\d+\] at 95%, threshold 0\.99/,
    );
    expect(leftoverProcesses(tmp, { markerOnly: true })).toEqual([]);
  });
});

describe('bad input', () => {
  it('exits 2 for an unknown scenario, listing the scenarios that exist, and starts nothing', async () => {
    const run = await chaos(['no-such-scenario', '--report-dir', reportsDir]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/unknown scenario "no-such-scenario"; scenarios are: [a-z-]+(, [a-z-]+)*\n/);
    expect(run.stderr).toContain('postgres-latency, recommendations-down');
    expect(leftoverProcesses(tmp, { markerOnly: true })).toEqual([]);
  });

  it('exits 2 for an unknown --disable pattern, listing the patterns', async () => {
    const run = await chaos(['postgres-latency', '--disable', 'brakes', '--report-dir', reportsDir]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--disable "brakes" names no pattern of system shop; its patterns are: .*breaker/);
  });
});
