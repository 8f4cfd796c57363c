import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ablationOutcome } from '../../harness/cli.ts';
import { appendSummary } from '../../harness/report/index.ts';
import { markdownCell, renderSummary } from '../../harness/report/summary.ts';
import { makeCheck, makeFailingRun, makeFault, makeRunResult } from './fixture.ts';

const failing = { result: makeFailingRun({ disabled: ['breaker', 'fallback'] }), reportPath: 'reports/run-fail/report.html' };
const passing = { result: makeRunResult(), reportPath: 'reports/run-pass/report.html' };

describe('step summary', () => {
  it('gives a failed run its verdict, every check with measured, threshold and why (failures first), the report and the replay', () => {
    const md = renderSummary([failing]);
    const lines = md.split('\n');
    expect(lines[0]).toBe('## ❌ FAIL postgres-latency');
    expect(md).toContain('runtime local · seed 42 · disabled: breaker, fallback');
    expect(md).toContain('| status | check | phase | endpoint | measured | interval | threshold | why |');
    const rows = lines.filter((l) => /^\| (✅|❌|⚠️)/.test(l));
    expect(rows).toHaveLength(failing.result.checks.length);
    expect(rows[0]).toBe(
      '| ❌ fail | availability >= 99.5% | recovery | GET /products/:id | 0.971 ratio | – | 0.995 ratio | 97.10% of 600 answers were ok or degraded; objective 99.50% |',
    );
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
    expect(row.split(/(?<!\\)\|/)).toHaveLength(10);
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

describe('step summary of an ablation (--ablate), where a failed run is the expected outcome', () => {
  const scenario = makeRunResult().scenario;
  const ablated = (over: Parameters<typeof makeFailingRun>[0], name: string) => {
    const result = makeFailingRun({
      disabled: ['breaker', 'fallback'],
      scenario: { ...scenario, name },
      replay: `npm run chaos -- ${name} --disable breaker,fallback --seed 42`,
      ...over,
    });
    return { result, reportPath: `reports/suite-a/${name}/report.html`, ablation: ablationOutcome(result) };
  };
  const proven = ablated({}, 'postgres-latency');
  const stillPasses = ablated({ verdict: 'pass', checks: makeRunResult().checks }, 'recommendations-down');
  const notLanded = ablated(
    {
      checks: [
        makeCheck({
          id: 'fault:f0',
          kind: 'fault',
          name: 'fault landed: +400 ms',
          phase: undefined,
          endpoint: undefined,
          status: 'inconclusive',
          measured: null,
          why: 'the fault did not take effect',
        }),
        makeCheck({ status: 'fail', measured: 0.5 }),
      ],
      faults: [makeFault({ landed: false })],
    },
    'poison-pill',
  );

  it('heads a single ablated run with "ablation proven" and the check that proved it, not FAIL', () => {
    const md = renderSummary([proven]);
    const lines = md.split('\n');
    expect(lines[0]).toBe('## ✅ ablation proven: postgres-latency');
    expect(md).not.toMatch(/^##+ ❌ FAIL/m);
    expect(md).toContain("Ablation: with breaker, fallback switched off this scenario must fail on a check; the run's verdict, FAIL, is the expected outcome.");
    expect(md).toContain('- Proven: fails as it must: availability >= 99.5% \\[recovery GET /products/:id\\] measured 0.971 ratio, threshold 0.995');
    expect(md).toContain('- First failed check: availability >= 99.5% \\[recovery GET /products/:id\\]');
    expect(md).toContain('| ❌ fail | availability >= 99.5% | recovery |');
  });

  it('says NOT proven, and why, for an ablated run that still passes', () => {
    const md = renderSummary([stillPasses]);
    expect(md.split('\n')[0]).toBe('## ❌ ablation NOT proven: recommendations-down');
    expect(md).toContain("the run's verdict, PASS, is not proof");
    expect(md).toContain('- Not proven: still PASSES with its protection off');
    expect(md).toContain('- First failed check: none');
  });

  it('gives an ablation suite its own verdict and one row per scenario instead of "FAIL 0 of N passed"', () => {
    const md = renderSummary([proven, stillPasses, notLanded], { indexPath: 'reports/suite-a/index.html' });
    const lines = md.split('\n');
    expect(lines[0]).toBe('## ❌ faultline ablation: NOT PROVEN (1 of 3 scenarios fail with their protection off, as they must)');
    expect(md).not.toContain('scenarios passed');
    const rows = lines.filter((l) => /^\| (✅ proven|❌ NOT proven) \|/.test(l));
    expect(rows).toHaveLength(3);
    expect(rows[0]).toMatch(
      /^\| ✅ proven \| postgres-latency \| breaker, fallback \| fails as it must: .* \| availability >= 99\.5% \\\[recovery GET \/products\/:id\\\] \|$/,
    );
    expect(rows[1]).toMatch(/^\| ❌ NOT proven \| recommendations-down \| breaker, fallback \| still PASSES .* \| none \|$/);
    expect(rows[2]).toMatch(
      /^\| ❌ NOT proven \| poison-pill \| breaker, fallback \| a fault did not land, so its failure proves nothing: fault landed: \+400 ms: the fault did not take effect \| availability >= 99\.5% \\\[fault GET \/products\/:id\\\] \|$/,
    );
    expect(md.match(/^### /gm)).toHaveLength(3);
    expect(md).toContain('### ✅ ablation proven: postgres-latency');
    expect(md).toContain('Index: `reports/suite-a/index.html`');
  });

  it('is PROVEN only when every scenario failed with its protection off', () => {
    const other = ablated({}, 'catalog-replica-gray');
    expect(renderSummary([proven, other], { indexPath: 'i.html' }).split('\n')[0]).toBe(
      '## ✅ faultline ablation: PROVEN (2 of 2 scenarios fail with their protection off, as they must)',
    );
  });
});
