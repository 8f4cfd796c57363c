import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { markdownCell, renderSummary } from '../../harness/report/summary.ts';
import { appendSummary } from '../../harness/report/index.ts';
import { makeCheck, makeFailingRun, makeRunResult } from './fixture.ts';

const failing = { result: makeFailingRun({ disabled: ['breaker', 'fallback'] }), reportPath: 'reports/run-fail/report.html' };
const passing = { result: makeRunResult(), reportPath: 'reports/run-pass/report.html' };

describe('step summary', () => {
  it('gives a failed run its verdict, every check with measured, threshold and why (failures first), the report and the replay', () => {
    const md = renderSummary([failing]);
    const lines = md.split('\n');
    expect(lines[0]).toBe('## ❌ FAIL postgres-latency');
    expect(md).toContain('runtime local · seed 42 · disabled: breaker, fallback');
    expect(md).toContain('| status | check | phase | endpoint | measured | threshold | why |');
    const rows = lines.filter((l) => /^\| (✅|❌|⚠️)/.test(l));
    expect(rows).toHaveLength(failing.result.checks.length);
    expect(rows[0]).toBe('| ❌ fail | availability >= 99.5% | recovery | GET /products/:id | 0.971 ratio | 0.995 ratio | 97.10% of 600 answers were ok or degraded; objective 99.50% |');
    expect(md).toContain('Report: `reports/run-fail/report.html`');
    expect(md).toContain('Replay: `npm run chaos -- postgres-latency --runtime local --seed 42`');
    expect(md.endsWith('\n')).toBe(true);
  });

  it('points at the CI run’s artifact when it knows where that is, and leaves replay out of a pass', () => {
    const md = renderSummary([passing], { artifactUrl: 'https://github.com/o/r/actions/runs/1' });
    expect(md).toContain('## ✅ PASS postgres-latency');
    expect(md).toContain('Report: `reports/run-pass/report.html` (in the [reports artifact](https://github.com/o/r/actions/runs/1))');
    expect(md).not.toContain('Replay:');
  });

  it('heads a suite with its verdict and count, then one section per scenario', () => {
    const md = renderSummary([passing, failing], { indexPath: 'reports/suite-1/index.html' });
    expect(md.split('\n')[0]).toBe('## ❌ faultline suite: FAIL (1 of 2 scenarios passed)');
    expect(md).toContain('Index: `reports/suite-1/index.html`');
    expect(md.match(/^### /gm)).toHaveLength(2);
  });

  it('keeps cell text on one line and unable to break the table or inject markup', () => {
    expect(markdownCell('a | b\nc <img src=x> `code` *x* \x1b[31mred\x1b[0m \\')).toBe('a \\| b c &lt;img src=x> \\`code\\` \\*x\\* red \\\\');
    const md = renderSummary([{ result: makeFailingRun({ checks: [makeCheck({ status: 'fail', why: 'x | y', name: '<b>' })] }), reportPath: 'r`x`.html' }]);
    const row = md.split('\n').find((l) => l.startsWith('| ❌'))!;
    expect(row.split(/(?<!\\)\|/)).toHaveLength(9);
    expect(md).not.toContain('<b>');
    expect(md).toContain("Report: `r'x'.html`");
  });

  it('appends to the summary file rather than replacing it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'faultline-summary-'));
    try {
      const file = join(dir, 'step-summary.md');
      await writeFile(file, '# earlier step\n');
      await appendSummary(file, [passing]);
      const text = await readFile(file, 'utf8');
      expect(text.startsWith('# earlier step\n## ✅ PASS postgres-latency')).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
