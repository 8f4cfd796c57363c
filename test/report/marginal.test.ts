// A marginal check (its interval straddles the objective) says so, with its interval, in every
// output a person or a CI reads: the HTML report, JUnit and the step summary.

import { describe, expect, it } from 'vitest';
import { marginalSummary } from '../../harness/cli.ts';
import { renderHtml } from '../../harness/report/html.ts';
import { renderJunit } from '../../harness/report/junit.ts';
import { renderSummary } from '../../harness/report/summary.ts';
import { makeCheck, makeRunResult } from './fixture.ts';

const interval = { low: 0.9695, high: 0.9909, confidence: 0.95, method: 'wilson' };
const run = makeRunResult({
  checks: [
    ...makeRunResult().checks,
    makeCheck({ id: 'slo:marginal', name: 'availability >= 0.98', measured: 0.9833, threshold: 0.98, interval, marginal: true, marginSe: 0.6 }),
  ],
  judgement: { confidence: 0.95, strict: false },
});

describe('marginal checks in the reports', () => {
  it('shows the interval and the marginal note in the HTML checks table', () => {
    const html = renderHtml(run);
    expect(html).toContain('[0.9695, 0.9909] at 95%');
    expect(html).toContain('marginal: a repeat could flip this');
    expect(html).toMatch(/1 marginal/);
  });

  it('names the marginal passing testcase in JUnit with its interval', () => {
    const xml = renderJunit([run]);
    expect(xml).toMatch(
      /<system-out>marginal: a repeat could flip this: passed by its point estimate, measured 0\.9833 ratio, interval \[0\.9695, 0\.9909\] at 95%<\/system-out>/,
    );
    expect(xml).toContain('<property name="confidence" value="0.95"/>');
  });

  it('marks the row in the step summary', () => {
    const md = renderSummary([{ result: run, reportPath: 'reports/x/report.html' }]);
    expect(md).toMatch(/✅ pass \(marginal: a repeat could flip this\) \| availability >= 0\.98/);
    expect(md).toContain('\\[0.9695, 0.9909\\] at 95%');
  });

  it('counts marginal checks on the verdict line, and says how they counted', () => {
    expect(marginalSummary(run)).toBe('; 1 check marginal at 95%: a repeat could flip it (counted by its point estimate)');
    expect(marginalSummary({ ...run, judgement: { confidence: 0.95, strict: true } })).toMatch(/counted as failed \(--strict\)/);
    expect(marginalSummary(makeRunResult())).toBe('');
  });
});
