import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeReports, writeSuiteReports } from '../../harness/report/index.ts';
import { renderJunit, testcaseName } from '../../harness/report/junit.ts';
import { makeCheck, makeFailingRun, makeFault, makeRunResult } from './fixture.ts';
import { findAll, parseXml } from './xml.ts';

// Jenkins' junit-10.xsd (see the file's header); validated by libxml2's xmllint, which
// npm run setup installs (Debian libxml2-utils). Outside CI a missing xmllint skips, saying why;
// in CI it fails, so the schema check cannot silently stop running.
const SCHEMA = fileURLToPath(new URL('./fixtures/junit-10.xsd', import.meta.url));
const xmllintInstalled = (): boolean => spawnSync('xmllint', ['--version'], { stdio: 'ignore' }).status === 0;
const skipSchema = !xmllintInstalled() && !process.env.CI;
const noXmllint = 'xmllint not found on PATH (npm run setup installs it as root: apt-get install -y libxml2-utils)';
if (skipSchema) console.warn(`test/report/junit.test.ts: schema validation skipped: ${noXmllint}`);

/** xmllint's verdict on a file against the schema: ok, and what it said. */
function validate(file: string): { ok: boolean; said: string } {
  const run = spawnSync('xmllint', ['--noout', '--schema', SCHEMA, file], { encoding: 'utf8' });
  if (run.error !== undefined) throw new Error(`could not run xmllint: ${run.error.message}`);
  return { ok: run.status === 0, said: `${run.stdout}${run.stderr}`.trim() };
}

describe('renderJunit', () => {
  it('writes one well-formed testsuite per run and one testcase per check, with the counts right', () => {
    const runs = [makeRunResult(), makeFailingRun({ scenario: { ...makeRunResult().scenario, name: 'redis-outage' } })];
    const root = parseXml(renderJunit(runs));
    expect(root.name).toBe('testsuites');
    const suites = findAll(root, 'testsuite');
    expect(suites.map((s) => s.attributes.name)).toEqual(['postgres-latency', 'redis-outage']);
    runs.forEach((run, i) => {
      const suite = suites[i]!;
      const failing = run.checks.filter((c) => c.status !== 'pass').length;
      expect(findAll(suite, 'testcase')).toHaveLength(run.checks.length);
      expect(suite.attributes).toMatchObject({
        tests: String(run.checks.length),
        failures: String(failing),
        errors: '0',
        time: '41.500',
        timestamp: '2025-01-01T12:00:00',
      });
      expect(findAll(suite, 'failure')).toHaveLength(failing);
    });
    expect(root.attributes).toMatchObject({ tests: '9', failures: '1', errors: '0', time: '83.000' });
  });

  it('names testcases faultline.<scenario> and "<check> [<phase>] <endpoint>"', () => {
    const suite = findAll(parseXml(renderJunit([makeRunResult()])), 'testcase');
    expect(suite[2]!.attributes).toEqual({ classname: 'faultline.postgres-latency', name: 'availability >= 99.5% [fault] GET /products/:id', time: '0.000' });
    expect(testcaseName(makeCheck({ phase: undefined, endpoint: undefined, name: 'load' }))).toBe('load');
  });

  it('gives a failing check a failure message with its measured value and threshold', () => {
    const failure = findAll(parseXml(renderJunit([makeFailingRun()])), 'failure')[0]!;
    expect(failure.attributes.type).toBe('fail');
    expect(failure.attributes.message).toContain('0.971 ratio');
    expect(failure.attributes.message).toContain('0.995 ratio');
    expect(failure.attributes.message).toContain('97.10% of 600 answers');
    expect(failure.text).toContain('measured: 0.971 ratio');
  });

  it('gives a failing run exactly one failure per check that did not pass, each carrying that check’s numbers', () => {
    const run = makeFailingRun({
      faults: [makeFault({ landed: false, provenAtMs: undefined })],
      checks: [
        makeCheck(),
        makeCheck({
          id: 'slo:availability:GET /products/:id:fault',
          name: 'availability >= 0.99',
          status: 'fail',
          measured: 0.003,
          threshold: 0.99,
          why: '0.30% of 1000 requests answered (3 ok, 0 degraded, 997 error); below the 99.00% objective',
        }),
        makeCheck({
          id: 'slo:latency:GET /products/:id:recovery',
          name: 'p99 latency <= 300 ms',
          phase: 'recovery',
          status: 'fail',
          measured: 412.5,
          threshold: 300,
          unit: 'ms',
          why: 'p99 was 412.5 ms over 748 requests; over the 300 ms objective',
        }),
        makeCheck({
          id: 'fault:f0',
          kind: 'fault',
          name: 'fault landed: +400 ms',
          phase: undefined,
          endpoint: undefined,
          status: 'inconclusive',
          measured: null,
          threshold: 10_000,
          unit: 'ms since load start',
          why: 'the fault did not take effect',
        }),
      ],
    });
    const suite = findAll(parseXml(renderJunit([run])), 'testsuite')[0]!;
    expect(suite.attributes).toMatchObject({ tests: '4', failures: '3', errors: '0', skipped: '0' });
    const cases = findAll(suite, 'testcase');
    expect(cases.map((c) => findAll(c, 'failure').length)).toEqual([0, 1, 1, 1]);
    const messages = cases.flatMap((c) => findAll(c, 'failure')).map((f) => f.attributes.message);
    expect(messages).toEqual([
      'failed: measured 0.003 ratio, threshold 0.99 ratio: 0.30% of 1000 requests answered (3 ok, 0 degraded, 997 error); below the 99.00% objective',
      'failed: measured 412.5 ms, threshold 300 ms: p99 was 412.5 ms over 748 requests; over the 300 ms objective',
      'inconclusive: the fault did not take effect (measured –, threshold 10000 ms since load start)',
    ]);
    expect(cases.map((c) => c.attributes.name)).toEqual([
      'availability >= 99.5% [fault] GET /products/:id',
      'availability >= 0.99 [fault] GET /products/:id',
      'p99 latency <= 300 ms [recovery] GET /products/:id',
      'fault landed: +400 ms',
    ]);
  });

  it('reports an inconclusive check as a failure that says inconclusive and why', () => {
    const run = makeRunResult({
      verdict: 'inconclusive',
      checks: [
        makeCheck({
          status: 'inconclusive',
          kind: 'fault',
          measured: null,
          threshold: 10_000,
          unit: 'ms since load start',
          why: 'the fault did not take effect',
        }),
      ],
    });
    const suite = findAll(parseXml(renderJunit([run])), 'testsuite')[0]!;
    expect(suite.attributes.failures).toBe('1');
    const message = findAll(suite, 'failure')[0]!.attributes.message ?? '';
    expect(message).toMatch(/^inconclusive: the fault did not take effect/);
    expect(message).toContain('measured –');
    expect(message).toContain('threshold 10000 ms since load start');
  });

  it('fails a run that has no checks instead of showing it green', () => {
    const suite = findAll(parseXml(renderJunit([makeRunResult({ checks: [], verdict: 'inconclusive' })])), 'testsuite')[0]!;
    expect(suite.attributes).toMatchObject({ tests: '1', failures: '1' });
  });

  it('escapes markup, keeps line breaks in messages and never carries ANSI or control codes', () => {
    const nasty = '\x1b[31mred\x1b[0m <b>&"\'</b>\x00\x07\nnext line \x1b[1;33m';
    const run = makeFailingRun({
      scenario: { ...makeRunResult().scenario, name: `a<b>&"c`, description: nasty },
      checks: [makeCheck({ status: 'fail', name: nasty, why: nasty })],
      replay: nasty,
      versions: { [nasty]: nasty },
    });
    const xml = renderJunit([run]);
    expect(xml).not.toMatch(/\x1b/);
    expect(xml).not.toMatch(/\[31m|\[0m/);
    const root = parseXml(xml);
    expect(findAll(root, 'testsuite')[0]!.attributes.name).toBe('a<b>&"c');
    expect(findAll(root, 'failure')[0]!.attributes.message).toContain('red <b>&"\'</b>\nnext line');
  });

  it('writes an empty but valid document for no runs', () => {
    expect(parseXml(renderJunit([])).attributes).toMatchObject({ tests: '0', failures: '0' });
  });
});

describe.skipIf(skipSchema)(`junit.xml against Jenkins' junit-10.xsd${skipSchema ? ` (skipped: ${noXmllint})` : ''}`, () => {
  let dir: string;
  beforeAll(async () => {
    if (!xmllintInstalled()) throw new Error(`CI is set and ${noXmllint}; the junit.xml schema check must not be skipped in CI`);
    dir = await mkdtemp(join(tmpdir(), 'faultline-junit-'));
  });
  afterAll(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('accepts the junit.xml a failing run writes, with a failure per failed check', async () => {
    const run = makeFailingRun();
    const { junit } = await writeReports(join(dir, 'run-fail'), run);
    expect(validate(junit)).toEqual({ ok: true, said: `${junit} validates` });
    const failures = findAll(parseXml(renderJunit([run])), 'failure');
    expect(failures).toHaveLength(run.checks.filter((c) => c.status !== 'pass').length);
    expect(failures[0]!.attributes.message).toContain('measured 0.971 ratio, threshold 0.995 ratio');
  });

  it('accepts the junit.xml a suite writes: passing, failing, inconclusive and check-less runs in one file', async () => {
    const scenario = makeRunResult().scenario;
    const runs = [
      makeRunResult(),
      makeFailingRun({ scenario: { ...scenario, name: 'redis-outage' } }),
      makeRunResult({
        scenario: { ...scenario, name: 'poison-pill' },
        verdict: 'inconclusive',
        checks: [makeCheck({ status: 'inconclusive', measured: null })],
      }),
      makeRunResult({ scenario: { ...scenario, name: 'retry-storm' }, verdict: 'inconclusive', checks: [] }),
    ];
    const { junit } = await writeSuiteReports(
      join(dir, 'suite'),
      runs.map((result, i) => ({ result, runDir: join(dir, `run-${i}`) })),
    );
    expect(validate(junit)).toEqual({ ok: true, said: `${junit} validates` });
  });

  it('accepts markup, control codes and odd numbers once rendered (escaped, stripped, clamped)', async () => {
    const nasty = '\x1b[31mred\x1b[0m <b>&"\'</b>\x00\x07\nnext ]]> line';
    const run = makeFailingRun({
      scenario: { ...makeRunResult().scenario, name: `a<b>&"c`, description: nasty },
      checks: [makeCheck({ status: 'fail', name: nasty, why: nasty })],
      replay: nasty,
      versions: { [nasty]: nasty },
      wallMs: Number.NaN,
      startedAt: 'not a date',
    });
    const file = join(dir, 'nasty.xml');
    await writeFile(file, renderJunit([run]));
    expect(validate(file).ok).toBe(true);
  });

  it('rejects a document the schema does not allow, so a pass above means something', async () => {
    const file = join(dir, 'invalid.xml');
    await writeFile(file, renderJunit([makeFailingRun()]).replace(/<testcase classname="([^"]*)" name="[^"]*"/, '<testcase classname="$1"'));
    const { ok, said } = validate(file);
    expect(ok).toBe(false);
    expect(said).toContain("The attribute 'name' is required but missing");
  });
});

describe('the test XML parser', () => {
  it.each([
    ['<a><b></a></b>', 'closes'],
    ['<a x="1" x="2"/>', 'duplicate'],
    ['<a>1 < 2</a>', 'expected a name'],
    ['<a>&nbsp;</a>', 'unknown entity'],
    ['<a>x</a><b/>', 'after the root'],
    ['<a>\x1b</a>', 'forbidden'],
    ['<a x=1/>', 'quoted'],
  ])('rejects %j', (doc, why) => {
    expect(() => parseXml(doc)).toThrow(why);
  });
});
