// junit.xml for CI test reporters (Jenkins, GitLab, GitHub actions): one testsuite per run, one
// testcase per check. Inconclusive is reported as a failure, because a check that proved nothing
// must never show green. A run with no checks at all gets one failing testcase saying so.
// Valid against Jenkins' junit-10.xsd (test/report/fixtures/junit-10.xsd; checked with xmllint).

import type { CheckResult, RunResult } from '../types.ts';
import { escapeXmlAttribute as attr, cleanText, escapeMarkup, intervalText, MARGINAL_TEXT, withUnit } from './text.ts';

/** The testcase name a check gets: `<name> [<phase>] <endpoint>`, leaving out what it lacks. */
export function testcaseName(check: CheckResult): string {
  return [check.name, check.phase === undefined ? '' : `[${check.phase}]`, check.endpoint ?? ''].filter((s) => s !== '').join(' ');
}

/** One line a reporter shows next to the failed testcase: status, numbers, why. */
export function failureMessage(check: CheckResult): string {
  const interval = check.interval === undefined ? '' : `, interval ${intervalText(check.interval, check.unit)}`;
  const marginal = check.marginal === true ? ` (${MARGINAL_TEXT})` : '';
  const figures = `measured ${withUnit(check.measured, check.unit)}${interval}, threshold ${withUnit(check.threshold, check.unit)}${marginal}`;
  return check.status === 'inconclusive' ? `inconclusive: ${check.why} (${figures})` : `failed: ${figures}: ${check.why}`;
}

/** Seconds with millisecond precision, as the schema's xs:decimal wants it. */
const seconds = (ms: number): string => (Math.max(0, Number.isFinite(ms) ? ms : 0) / 1000).toFixed(3);

/** The Ant/Jenkins schema's timestamp: ISO 8601 without zone or fraction. */
function timestamp(iso: string): string {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? '1970-01-01T00:00:00' : new Date(t).toISOString().slice(0, 19);
}

function testcase(classname: string, name: string, failing: { message: string; type: string; details: string } | null, note?: string): string {
  const open = `    <testcase classname="${attr(classname)}" name="${attr(name)}" time="0.000"`;
  if (failing === null) return note === undefined ? `${open}/>` : `${open}>\n      <system-out>${escapeMarkup(note)}</system-out>\n    </testcase>`;
  return `${open}>\n      <failure message="${attr(failing.message)}" type="${attr(failing.type)}">${escapeMarkup(failing.details)}</failure>\n    </testcase>`;
}

function details(check: CheckResult): string {
  return [
    `status: ${check.status}`,
    `check: ${check.id} (${check.kind})`,
    check.phase === undefined ? '' : `phase: ${check.phase}`,
    check.endpoint === undefined ? '' : `endpoint: ${check.endpoint}`,
    `measured: ${withUnit(check.measured, check.unit)}`,
    check.interval === undefined ? '' : `interval: ${intervalText(check.interval, check.unit)}`,
    `threshold: ${withUnit(check.threshold, check.unit)}`,
    check.marginal === true ? MARGINAL_TEXT : '',
    `why: ${check.why}`,
  ]
    .filter((line) => line !== '')
    .join('\n');
}

/** Passing testcases cannot carry a message, so the marginal ones are named in the suite's output. */
function marginalLines(result: RunResult): string {
  const marginal = result.checks.filter((c) => c.marginal === true);
  return marginal
    .map((c) => `\n${MARGINAL_TEXT}: ${testcaseName(c)} (${c.status}): measured ${withUnit(c.measured, c.unit)}, interval ${intervalText(c.interval, c.unit)}`)
    .join('');
}

interface Suite {
  xml: string;
  tests: number;
  failures: number;
  timeMs: number;
}

function suite(result: RunResult): Suite {
  const classname = `faultline.${cleanText(result.scenario.name)}`;
  const cases = result.checks.map((c) =>
    testcase(
      classname,
      testcaseName(c),
      c.status === 'pass' ? null : { message: failureMessage(c), type: c.status, details: details(c) },
      c.marginal === true
        ? `${MARGINAL_TEXT}: passed by its point estimate, measured ${withUnit(c.measured, c.unit)}, interval ${intervalText(c.interval, c.unit)}`
        : undefined,
    ),
  );
  let failures = result.checks.filter((c) => c.status !== 'pass').length;
  if (result.checks.length === 0) {
    const why = `no checks were run, so nothing is proven (verdict ${result.verdict})`;
    cases.push(testcase(classname, 'verdict', { message: `inconclusive: ${why}`, type: 'inconclusive', details: why }));
    failures = 1;
  }
  const properties = [
    ['verdict', result.verdict],
    ...(result.judgement === undefined
      ? []
      : [
          ['confidence', String(result.judgement.confidence)],
          ['strict', String(result.judgement.strict)],
        ]),
    ['runId', result.runId],
    ['runtime', result.runtime],
    ['seed', String(result.seed)],
    ['disabled', result.disabled.join(',')],
    ['replay', result.replay],
    ...Object.entries(result.versions).map(([tool, version]) => [`version.${tool}`, version]),
  ]
    .map(([name, value]) => `      <property name="${attr(name ?? '')}" value="${attr(value ?? '')}"/>`)
    .join('\n');
  const xml = [
    `  <testsuite name="${attr(result.scenario.name)}" tests="${cases.length}" failures="${failures}" errors="0" skipped="0" time="${seconds(result.wallMs)}" timestamp="${timestamp(result.startedAt)}" hostname="localhost">`,
    `    <properties>\n${properties}\n    </properties>`,
    ...cases,
    `    <system-out>${escapeMarkup(`${result.scenario.description}\nreplay: ${result.replay}${marginalLines(result)}`)}</system-out>`,
    '  </testsuite>',
  ].join('\n');
  return { xml, tests: cases.length, failures, timeMs: result.wallMs };
}

export function renderJunit(results: readonly RunResult[]): string {
  const suites = results.map(suite);
  const sum = (f: (s: Suite) => number) => suites.reduce((n, s) => n + f(s), 0);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="faultline" tests="${sum((s) => s.tests)}" failures="${sum((s) => s.failures)}" errors="0" time="${seconds(sum((s) => s.timeMs))}">`,
    ...suites.map((s) => s.xml),
    '</testsuites>',
    '',
  ].join('\n');
}
