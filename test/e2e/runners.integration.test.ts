// Several k6 runners, one verdict: postgres-latency with its load split over two k6 processes
// (execution segments 0:1/2 and 1/2:1, both streaming into one recording) must send the same
// requests (±1 %), pass and fail the same checks and reach the same verdict as one runner.

import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../harness/paths.ts';
import type { RunResult } from '../../harness/types.ts';
import { leftoverProcesses } from '../helpers/processes.ts';

const tmp = mkdtempSync(join(tmpdir(), 'faultline-runners-'));
chmodSync(tmp, 0o755); // Postgres runs as its own user (we may be root) and must reach the runs' temp dirs
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function chaos(runners: number): Promise<{ code: number | null; result: RunResult; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [
        '--disable-warning=ExperimentalWarning',
        join(PROJECT_ROOT, 'harness/cli.ts'),
        'postgres-latency',
        '--runtime',
        'local',
        '--json',
        '--seed',
        '42',
        '--runners',
        String(runners),
        '--report-dir',
        join(tmp, 'reports'),
      ],
      { cwd: PROJECT_ROOT, timeout: 180_000, env: { ...process.env, NO_COLOR: '1', TMPDIR: tmp }, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        try {
          resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : null, result: JSON.parse(stdout) as RunResult, stderr });
        } catch {
          reject(new Error(`no JSON result: ${stderr}`));
        }
      },
    );
  });
}

const checksOf = (r: RunResult): string[] => r.checks.map((c) => `${c.id} ${c.status}`).sort();

describe('--runners 2 on postgres-latency', () => {
  it('sends the same requests (±1 %), with the same checks and verdict as one runner', { timeout: 400_000 }, async () => {
    const one = await chaos(1);
    const two = await chaos(2);
    expect(one.code, one.stderr).toBe(0);
    expect(two.result.load.runners?.map((r) => r.segment)).toEqual(['0:1/2', '1/2:1']);
    // each runner carried about half, and their load clocks started together
    for (const r of two.result.load.runners ?? []) {
      expect(r.requests).toBeGreaterThan(two.result.load.requestsSent * 0.45);
      expect(Math.abs(r.startedAfterMs ?? Infinity)).toBeLessThan(1000);
    }
    expect(Math.abs(two.result.load.requestsSent - one.result.load.requestsSent) / one.result.load.requestsSent).toBeLessThanOrEqual(0.01);
    expect(checksOf(two.result)).toEqual(checksOf(one.result));
    expect(two.result.verdict).toBe(one.result.verdict);
    expect(two.code).toBe(one.code);
    expect(leftoverProcesses(tmp, { markerOnly: true })).toEqual([]);
  });
});
