import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeSuiteReports } from '../../harness/report/index.ts';
import { renderIndex, suiteVerdict } from '../../harness/report/suite.ts';
import { makeCheck, makeFailingRun, makeRunResult } from './fixture.ts';
import { findAll, parseXml } from './xml.ts';

const passing = makeRunResult({ runId: 'run-pass' });
const failing = makeFailingRun({ runId: 'run-fail', scenario: { ...makeRunResult().scenario, name: 'redis-outage', description: 'Redis goes away for 20 s' } });
const textOf = (html: string) =>
  html
    .replace(/<[^>]*>/g, ' ')
    .replace(/&gt;/g, '>')
    .replace(/&lt;/g, '<')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');

describe('suite index', () => {
  it('is fail when any run failed, inconclusive when any was or none ran, else pass', () => {
    expect(suiteVerdict([passing, failing])).toBe('fail');
    expect(suiteVerdict([passing, makeRunResult({ verdict: 'inconclusive' })])).toBe('inconclusive');
    expect(suiteVerdict([])).toBe('inconclusive');
    expect(suiteVerdict([passing, passing])).toBe('pass');
  });

  it('links every scenario’s report with its verdict, failures first, and the first failed check in numbers', () => {
    const html = renderIndex('20250101-120000-suite-ab12', [
      { result: passing, href: 'run-pass/report.html' },
      { result: failing, href: 'run-fail/report.html' },
    ]);
    expect(html).toMatch(/<h1 class="fail"><span class="verdict">FAIL<\/span> suite/);
    expect(textOf(html)).toContain('2 scenarios, 1 not passed');
    const links = [...html.matchAll(/<a href="([^"]*)">([^<]*)<\/a>/g)].map((m) => [m[1], m[2]]);
    expect(links).toEqual([
      ['junit.xml', 'junit.xml'],
      ['run-fail/report.html', 'redis-outage'],
      ['run-pass/report.html', 'postgres-latency'],
    ]);
    const failRow = textOf(html.slice(html.indexOf('<tr class="fail">'), html.indexOf('</tr>', html.indexOf('<tr class="fail">'))));
    expect(failRow).toContain('fail redis-outage Redis goes away for 20 s 1 / 0 / 4');
    expect(failRow).toContain('availability >= 99.5% [recovery]: failed: measured 0.971 ratio, threshold 0.995 ratio');
  });

  it('escapes scenario text and percent-encodes link paths', () => {
    const evil = makeFailingRun({
      scenario: { ...makeRunResult().scenario, name: '<script>x</script>', description: '" onmouseover="x' },
      checks: [makeCheck({ status: 'fail', why: '<b>' })],
    });
    const html = renderIndex('s', [{ result: evil, href: 'a "b"/report.html' }]);
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<b>');
    expect(html).toContain('href="a%20%22b%22/report.html"');
    expect(html).toContain('&quot; onmouseover=&quot;x');
    expect(html).not.toContain('onmouseover="');
  });

  it('says so when no scenario ran', () => {
    expect(renderIndex('s', [])).toContain('no scenario ran');
  });
});

describe('writeSuiteReports', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'faultline-suite-'));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('writes index.html linking each run folder relatively, and one junit.xml with a testsuite per scenario', async () => {
    const suiteDir = join(root, 'suite-1');
    const paths = await writeSuiteReports(suiteDir, [
      { result: passing, runDir: join(suiteDir, 'run-pass') },
      { result: failing, runDir: join(suiteDir, 'run-fail') },
    ]);
    expect(paths).toEqual({ index: join(suiteDir, 'index.html'), junit: join(suiteDir, 'junit.xml') });
    const html = await readFile(paths.index, 'utf8');
    expect(html).toContain('href="run-fail/report.html"');
    expect(html).toContain('href="run-pass/report.html"');
    expect(html).toContain('suite suite-1');
    const junit = parseXml(await readFile(paths.junit, 'utf8'));
    expect(findAll(junit, 'testsuite').map((s) => s.attributes.name)).toEqual(['postgres-latency', 'redis-outage']);
    expect(junit.attributes.failures).toBe('1');
  });
});
