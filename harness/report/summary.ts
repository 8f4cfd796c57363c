// The GitHub step summary (Markdown, appended to $GITHUB_STEP_SUMMARY): the verdict, every check
// with measured value, threshold and why, where the full report is, and how to replay. GitHub
// renders HTML inside Markdown, so every text is escaped for both (a `<` can open no tag).

import type { CheckResult, RunResult } from '../types.ts';
import { checksInReportOrder } from './html.ts';
import { suiteVerdict } from './suite.ts';
import { cleanText, withUnit } from './text.ts';

export interface SummaryEntry {
  result: RunResult;
  /** the run's report.html as the reader will find it, e.g. reports/<run-id>/report.html */
  reportPath: string;
}

export interface SummaryOptions {
  /** the CI run's page, where the reports artifact can be downloaded */
  artifactUrl?: string;
  /** the suite's index.html, when several scenarios ran */
  indexPath?: string;
}

const ICON = { pass: '✅', fail: '❌', inconclusive: '⚠️' } as const;

/** Text for a Markdown table cell: one line, no pipes, no markup, no ANSI. */
export function markdownCell(text: string): string {
  return cleanText(text)
    .replace(/\r?\n/g, ' ')
    .replace(/</g, '&lt;')
    .replace(/\\/g, '\\\\')
    .replace(/([|`*_[\]])/g, '\\$1');
}

/** Text for an inline code span: backticks cannot occur in it, so none can end it early. */
const code = (text: string): string => `\`${cleanText(text).replace(/`/g, "'").replace(/\r?\n/g, ' ')}\``;

function checkRow(c: CheckResult): string {
  const cells = [`${ICON[c.status]} ${c.status}`, c.name, c.phase ?? '–', c.endpoint ?? '–', withUnit(c.measured, c.unit), withUnit(c.threshold, c.unit), c.why];
  return `| ${cells.map(markdownCell).join(' | ')} |`;
}

function runSection({ result: r, reportPath }: SummaryEntry, options: SummaryOptions, level: string): string[] {
  const facts = [`runtime ${r.runtime}`, `seed ${r.seed}`, `disabled: ${r.disabled.join(', ') || 'none'}`].join(' · ');
  const where = options.artifactUrl === undefined ? '' : ` (in the [reports artifact](${options.artifactUrl}))`;
  return [
    `${level} ${ICON[r.verdict]} ${r.verdict.toUpperCase()} ${markdownCell(r.scenario.name)}`,
    '',
    `${markdownCell(r.scenario.description)} · ${markdownCell(facts)}`,
    '',
    '| status | check | phase | endpoint | measured | threshold | why |',
    '| --- | --- | --- | --- | ---: | ---: | --- |',
    ...(r.checks.length === 0 ? ['| ⚠️ inconclusive | no checks were run, so nothing is proven | – | – | – | – | – |'] : checksInReportOrder(r.checks).map(checkRow)),
    '',
    `Report: ${code(reportPath)}${where}`,
    ...(r.verdict === 'pass' ? [] : ['', `Replay: ${code(r.replay)}`]),
    '',
  ];
}

/** The Markdown for one run, or for a suite with a heading line and a section per run. */
export function renderSummary(entries: readonly SummaryEntry[], options: SummaryOptions = {}): string {
  if (entries.length === 1 && options.indexPath === undefined) return `${runSection(entries[0] as SummaryEntry, options, '##').join('\n')}\n`;
  const verdict = suiteVerdict(entries.map((x) => x.result));
  const notPassed = entries.filter((x) => x.result.verdict !== 'pass').length;
  const head = [
    `## ${ICON[verdict]} faultline suite: ${verdict.toUpperCase()} (${entries.length - notPassed} of ${entries.length} scenario${entries.length === 1 ? '' : 's'} passed)`,
    '',
    ...(options.indexPath === undefined ? [] : [`Index: ${code(options.indexPath)}`, '']),
  ];
  return `${[...head, ...entries.flatMap((x) => runSection(x, options, '###'))].join('\n')}\n`;
}
