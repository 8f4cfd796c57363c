// The report in a real browser: Debian's headless chromium, network emulated offline, opened from
// disk as a user opens it. Skipped, saying why, only where chromium is missing and CI is not set;
// in CI a missing chromium fails the test (npm run setup installs it).

import { existsSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../harness/paths.ts';
import { writeReports, writeSuiteReports } from '../../harness/report/index.ts';
import { CHROMIUM_PATH, type Chromium, chromiumInstalled, launchChromium } from '../helpers/chromium.ts';
import { makeFailingRun, makeRunResult, makeSeries } from './fixture.ts';

// a run folder a person can open after the test: the report and the screenshot the test took
const ROOT = join(PROJECT_ROOT, 'reports', 'browser-test');
const skip = !chromiumInstalled() && !process.env.CI;
const why = `chromium not found at ${CHROMIUM_PATH} (npm run setup installs it; FAULTLINE_CHROMIUM points elsewhere)`;
if (skip) console.warn(`test/report/browser.test.ts skipped: ${why}`);

interface Drawn {
  charts: number;
  chartWidths: number[];
  series: { name: string | null; length: number; d: number }[];
  verdict: string;
  logRows: number;
}

const DRAWN = `(() => ({
  charts: document.querySelectorAll('svg.chart').length,
  chartWidths: [...document.querySelectorAll('svg.chart')].map((s) => Math.round(s.getBoundingClientRect().width)),
  series: [...document.querySelectorAll('svg.chart path.series')].map((p) => ({ name: p.getAttribute('data-series'), length: p.getTotalLength(), d: (p.getAttribute('d') || '').length })),
  verdict: document.querySelector('h1').textContent,
  logRows: document.querySelectorAll('table.log tbody tr').length,
}))()`;

describe.skipIf(skip)(`the report in headless chromium${skip ? ` (skipped: ${why})` : ''}`, () => {
  let browser: Chromium;
  beforeAll(async () => {
    if (!chromiumInstalled()) throw new Error(`CI is set and ${why}`);
    await rm(ROOT, { recursive: true, force: true });
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });

  it('opens a failed run’s report offline with no console error, draws every chart and saves a screenshot in the run folder', { timeout: 60_000 }, async () => {
    const run = makeFailingRun({ runId: 'browser-test-fail', series: [...makeSeries(), ...makeSeries('POST /orders')] });
    const runDir = join(ROOT, run.runId);
    const { html } = await writeReports(runDir, run);
    const page = await browser.open(pathToFileURL(html).href, { width: 1200, height: 900 });
    expect(page.errors).toEqual([]);
    expect(page.requests).toEqual([pathToFileURL(html).href]);

    const drawn = await page.evaluate<Drawn>(DRAWN);
    expect(drawn.verdict).toMatch(/^FAIL postgres-latency/);
    expect(drawn.charts).toBe(5); // load, then latency and outcomes for each of two endpoints
    for (const width of drawn.chartWidths) expect(width).toBeGreaterThan(300);
    expect(drawn.series.map((s) => s.name).sort()).toEqual([
      'achieved',
      'degraded',
      'degraded',
      'error',
      'error',
      'offered',
      'ok',
      'ok',
      'p50',
      'p50',
      'p99',
      'p99',
    ]);
    for (const s of drawn.series) expect(s, `series ${s.name}`).toMatchObject({ d: expect.any(Number), length: expect.any(Number) });
    for (const s of drawn.series) expect(s.length, `drawn length of ${s.name}`).toBeGreaterThan(0);
    expect(drawn.logRows).toBe(run.breach!.lines.length + 1); // the lines and the breach marker

    const shot = join(runDir, 'report.png');
    await page.screenshot(shot);
    expect(existsSync(shot)).toBe(true);
    const png = readFileSync(shot);
    expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
    expect(png.length).toBeGreaterThan(20_000);
  });

  it('opens a suite’s index offline with no console error and links that resolve to the reports', { timeout: 60_000 }, async () => {
    const suiteDir = join(ROOT, 'browser-test-suite');
    const runs = [makeRunResult({ runId: 'pass' }), makeFailingRun({ runId: 'fail' })].map((result) => ({ result, runDir: join(suiteDir, result.runId) }));
    for (const r of runs) await writeReports(r.runDir, r.result);
    const { index } = await writeSuiteReports(suiteDir, runs);
    const page = await browser.open(pathToFileURL(index).href, { width: 1200, height: 700 });
    expect(page.errors).toEqual([]);
    const links = await page.evaluate<string[]>(`[...document.querySelectorAll('a')].map((a) => a.href)`);
    expect(links).toEqual([
      pathToFileURL(join(suiteDir, 'junit.xml')).href,
      pathToFileURL(join(suiteDir, 'fail', 'report.html')).href,
      pathToFileURL(join(suiteDir, 'pass', 'report.html')).href,
    ]);
    for (const link of links) expect(existsSync(new URL(link)), link).toBe(true);
    await page.screenshot(join(suiteDir, 'index.png'));
  });
});
