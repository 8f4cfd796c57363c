// The default suite's fast subset, as CI runs it: a few scenarios pass as a suite with every
// pattern on, and a few others fail with their protectedBy patterns off (the ablation). The whole
// suite (`npm run chaos -- --all`) and the whole ablation (`npm run ablation`) take ~7 minutes
// each on 2 cores; this subset keeps `npm test` well under 20 minutes and still runs one scenario
// of each fault family (network toxic, process kill/pause, load-shaped) both ways.

import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { AblationOutcome } from '../../harness/cli.ts';
import { PROJECT_ROOT } from '../../harness/paths.ts';
import type { RunResult } from '../../harness/types.ts';
import { leftoverProcesses } from '../helpers/processes.ts';

/** pass with everything on: one of each family */
export const PASS_SUBSET = ['recommendations-down', 'catalog-replica-crash', 'noisy-neighbour'];
/** fail with their protection off: one of each family, not the ones above */
export const ABLATION_SUBSET = ['payments-blackhole', 'catalog-replica-gray', 'poison-pill'];

const tmp = mkdtempSync(join(tmpdir(), 'faultline-suite-'));
chmodSync(tmp, 0o755); // Postgres runs as its own user (we may be root) and must reach the runs' temp dirs
const reportsDir = join(tmp, 'reports');
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function chaos(args: string[], timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--disable-warning=ExperimentalWarning', join(PROJECT_ROOT, 'harness/cli.ts'), ...args],
      { cwd: PROJECT_ROOT, timeout: timeoutMs, env: { ...process.env, NO_COLOR: '1', TMPDIR: tmp }, maxBuffer: 256 * 1024 * 1024 },
      (error, stdout, stderr) => resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : null, stdout, stderr }),
    );
  });
}

const stderrTail = (s: string): string => s.split('\n').slice(-60).join('\n');

describe('the default suite, fast subset', () => {
  it(`passes ${PASS_SUBSET.join(', ')} as a suite, every fault proven`, { timeout: 400_000 }, async () => {
    const run = await chaos([...PASS_SUBSET, '--runtime', 'local', '--json', '--report-dir', reportsDir], 390_000);
    const results = JSON.parse(run.stdout || '[]') as RunResult[];
    const failed = results
      .filter((r) => r.verdict !== 'pass')
      .map(
        (r) =>
          `${r.scenario.name}: ${r.checks
            .filter((c) => c.status !== 'pass')
            .map((c) => `${c.name} [${c.phase ?? ''} ${c.endpoint ?? ''}] ${c.measured} vs ${c.threshold}: ${c.why}`)
            .join('; ')}`,
      );
    expect(failed, stderrTail(run.stderr)).toEqual([]);
    expect(run.code).toBe(0);
    expect(results.map((r) => r.scenario.name)).toEqual(PASS_SUBSET);
    for (const r of results)
      expect(
        r.faults.every((f) => f.landed),
        `${r.scenario.name}: every fault landed`,
      ).toBe(true);
    expect(leftoverProcesses(tmp)).toEqual([]);
  });

  it(`fails ${ABLATION_SUBSET.join(', ')} with their protectedBy off (the ablation)`, { timeout: 400_000 }, async () => {
    const run = await chaos([...ABLATION_SUBSET, '--ablate', '--runtime', 'local', '--json', '--report-dir', reportsDir], 390_000);
    const { ablations } = JSON.parse(run.stdout || '{"ablations":[]}') as { ablations: AblationOutcome[] };
    expect(
      ablations.filter((a) => !a.proven).map((a) => `${a.scenario}: ${a.why}`),
      stderrTail(run.stderr),
    ).toEqual([]);
    expect(ablations.map((a) => a.scenario)).toEqual(ABLATION_SUBSET);
    for (const a of ablations) expect(a.failedChecks.length).toBeGreaterThan(0);
    expect(run.code).toBe(0);
    expect(leftoverProcesses(tmp)).toEqual([]);
  });
});
