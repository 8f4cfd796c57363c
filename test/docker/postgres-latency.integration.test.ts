// postgres-latency end to end on the docker runtime, through the CLI as a user runs it: it passes
// with every pattern on, fails with its protecting patterns off, judged by the same checks as on
// the local runtime, and leaves no container or network behind. Skips, saying why, without Docker.

import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../harness/paths.ts';
import type { RunResult } from '../../harness/types.ts';
import { docker, leftoversOf, skipReason } from './engine.ts';

const tmp = mkdtempSync(join(tmpdir(), 'faultline-e2e-docker-'));
const reportsDir = join(tmp, 'reports');
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function chaos(args: string[], timeoutMs = 180_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--disable-warning=ExperimentalWarning', join(PROJECT_ROOT, 'harness/cli.ts'), ...args],
      { cwd: PROJECT_ROOT, timeout: timeoutMs, env: { ...process.env, NO_COLOR: '1', TMPDIR: tmp }, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : null, stdout, stderr }),
    );
  });
}

const runIdOf = (stderr: string): string => /run (\S+): postgres-latency on the docker runtime/.exec(stderr)?.[1] ?? 'no run id in the output';

describe.skipIf(!docker.ok)(`postgres-latency on the docker runtime ${skipReason}`, () => {
  it('passes with every pattern on, with the toxic proven and the stale cache answering', { timeout: 240_000 }, async () => {
    const run = await chaos(['postgres-latency', '--runtime', 'docker', '--json', '--seed', '42', '--report-dir', reportsDir]);
    // with --json the checks are only in stdout: a failure names the ones that did not pass
    const notPassed =
      run.code === 1
        ? (JSON.parse(run.stdout) as RunResult).checks
            .filter((c) => c.status !== 'pass')
            .map((c) => `${c.status} ${c.name} [${c.phase ?? ''} ${c.endpoint ?? ''}]: ${c.measured} vs ${c.threshold}: ${c.why}`)
        : [];
    expect(run.code, `${run.stderr}\n${notPassed.join('\n')}`).toBe(0);
    const result = JSON.parse(run.stdout) as RunResult;
    expect(result.runtime).toBe('docker');
    expect(result.verdict).toBe('pass');
    expect(result.faults[0]?.landed).toBe(true);
    expect(result.summaries.find((s) => s.phase === 'fault' && s.endpoint === 'GET /products/:id')?.degraded).toBeGreaterThan(0);
    expect(result.versions).toMatchObject({ postgres: expect.stringMatching(/^15\./), docker: expect.any(String) });
    const phases = ['baseline', 'fault', 'recovery'];
    for (const name of ['availability >= 0.99', 'p99 latency <= 300 ms'])
      expect(
        result.checks
          .filter((c) => c.name === name)
          .map((c) => c.phase)
          .sort(),
        name,
      ).toEqual(phases);
    expect(leftoversOf(result.runId)).toEqual({ containers: [], networks: [] });
  });

  it('fails with breaker and fallback off, naming the SLO with measured value and threshold', { timeout: 240_000 }, async () => {
    const run = await chaos(['postgres-latency', '--runtime', 'docker', '--disable', 'breaker,fallback', '--seed', '42', '--report-dir', reportsDir]);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stdout).toMatch(
      /FAIL\s+availability >= 0\.99 \[fault GET \/products\/:id\]: measured 0(\.\d+)? ratio, interval \[0(\.\d+)?, 0\.\d+\] at 95%, threshold 0\.99/,
    );
    expect(leftoversOf(runIdOf(run.stderr))).toEqual({ containers: [], networks: [] });
  });
});
