// The GitHub step summary (Markdown, appended to $GITHUB_STEP_SUMMARY): the verdict, every check
// with measured value, threshold and why, where the full report is, and how to replay. GitHub
// renders HTML inside Markdown, so every text is escaped for both (a `<` can open no tag).
// An ablation run (--ablate) is expected to fail: its summary leads with the ablation verdict
// (proven / NOT proven, and the check that proved it or why nothing was), not with "FAIL".

import type { CheckResult, RunResult } from '../types.ts';
import { checksInReportOrder } from './html.ts';
import { suiteVerdict } from './suite.ts';
import { cleanText, intervalText, MARGINAL_TEXT, withUnit } from './text.ts';

/** What an ablation run proved (harness/cli.ts ablationOutcome gives one per run). */
export interface AblationVerdict {
  /** the run failed on a check that measured real numbers, with every fault landed */
  proven: boolean;
  /** the patterns switched off */
  disabled: string[];
  /** every failed check, labelled `<name> [<phase> <endpoint>]`, in the run's order */
  failedChecks: string[];
  /** one line: the check that proved it, with its numbers, or why nothing was proven */
  why: string;
}

export interface SummaryEntry {
  result: RunResult;
  /** the run's report.html as the reader will find it, e.g. reports/<run-id>/report.html */
  reportPath: string;
  /** set for an --ablate run: the summary then judges the ablation, not the run's verdict */
  ablation?: AblationVerdict;
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
  const cells = [
    `${ICON[c.status]} ${c.status}${c.marginal === true ? ` (${MARGINAL_TEXT})` : ''}`,
    c.name,
    c.phase ?? '–',
    c.endpoint ?? '–',
    withUnit(c.measured, c.unit),
    intervalText(c.interval, c.unit),
    withUnit(c.threshold, c.unit),
    c.why,
  ];
  return `| ${cells.map(markdownCell).join(' | ')} |`;
}

const ablationIcon = (a: AblationVerdict): string => (a.proven ? ICON.pass : ICON.fail);
const ablationWord = (a: AblationVerdict): string => (a.proven ? 'proven' : 'NOT proven');

/** The ablation's lines: what was off, the verdict's reason, and the first failed check. */
function ablationLines(a: AblationVerdict, verdict: RunResult['verdict']): string[] {
  const off = a.disabled.length === 0 ? 'nothing' : a.disabled.join(', ');
  return [
    `Ablation: with ${markdownCell(off)} switched off this scenario must fail on a check; the run's verdict, ${verdict.toUpperCase()}, is ${a.proven ? 'the expected outcome' : 'not proof'}.`,
    '',
    `- ${a.proven ? 'Proven' : 'Not proven'}: ${markdownCell(a.why)}`,
    `- First failed check: ${a.failedChecks.length === 0 ? 'none' : markdownCell(a.failedChecks[0] as string)}${a.failedChecks.length > 1 ? ` (+${a.failedChecks.length - 1} more)` : ''}`,
    '',
  ];
}

function runSection({ result: r, reportPath, ablation }: SummaryEntry, options: SummaryOptions, level: string): string[] {
  const facts = [`runtime ${r.runtime}`, `seed ${r.seed}`, `disabled: ${r.disabled.join(', ') || 'none'}`].join(' · ');
  const where = options.artifactUrl === undefined ? '' : ` (in the [reports artifact](${options.artifactUrl}))`;
  const heading =
    ablation === undefined
      ? `${level} ${ICON[r.verdict]} ${r.verdict.toUpperCase()} ${markdownCell(r.scenario.name)}`
      : `${level} ${ablationIcon(ablation)} ablation ${ablationWord(ablation)}: ${markdownCell(r.scenario.name)}`;
  return [
    heading,
    '',
    `${markdownCell(r.scenario.description)} · ${markdownCell(facts)}`,
    '',
    ...(ablation === undefined ? [] : ablationLines(ablation, r.verdict)),
    ...(ablation === undefined ? [] : ['Checks of the run with its protection off (failures are what an ablation wants):', '']),
    '| status | check | phase | endpoint | measured | interval | threshold | why |',
    '| --- | --- | --- | --- | ---: | ---: | ---: | --- |',
    ...(r.checks.length === 0
      ? ['| ⚠️ inconclusive | no checks were run, so nothing is proven | – | – | – | – | – | – |']
      : checksInReportOrder(r.checks).map(checkRow)),
    '',
    `Report: ${code(reportPath)}${where}`,
    ...(r.verdict === 'pass' ? [] : ['', `Replay: ${code(r.replay)}`]),
    '',
  ];
}

/** The Markdown for one run, or for a suite with a heading line and a section per run. */
export function renderSummary(entries: readonly SummaryEntry[], options: SummaryOptions = {}): string {
  if (entries.length === 1 && options.indexPath === undefined) return `${runSection(entries[0] as SummaryEntry, options, '##').join('\n')}\n`;
  if (entries.some((x) => x.ablation !== undefined)) return ablationSuite(entries, options);
  const verdict = suiteVerdict(entries.map((x) => x.result));
  const notPassed = entries.filter((x) => x.result.verdict !== 'pass').length;
  const head = [
    `## ${ICON[verdict]} faultline suite: ${verdict.toUpperCase()} (${entries.length - notPassed} of ${entries.length} scenario${entries.length === 1 ? '' : 's'} passed)`,
    '',
    ...(options.indexPath === undefined ? [] : [`Index: ${code(options.indexPath)}`, '']),
  ];
  return `${[...head, ...entries.flatMap((x) => runSection(x, options, '###'))].join('\n')}\n`;
}

/** An ablation suite: proven when every scenario failed on a check with its protection off. */
function ablationSuite(entries: readonly SummaryEntry[], options: SummaryOptions): string {
  const proven = entries.filter((x) => x.ablation?.proven === true).length;
  const all = proven === entries.length;
  const scenarios = `scenario${entries.length === 1 ? '' : 's'}`;
  const row = ({ result: r, ablation: a }: SummaryEntry): string => {
    const cells =
      a === undefined
        ? ['⚠️ not judged', r.scenario.name, r.disabled.join(', ') || 'none', 'no ablation verdict for this run', '–']
        : [`${ablationIcon(a)} ${ablationWord(a)}`, r.scenario.name, a.disabled.join(', ') || 'none', a.why, a.failedChecks[0] ?? 'none'];
    return `| ${cells.map(markdownCell).join(' | ')} |`;
  };
  const head = [
    `## ${all ? ICON.pass : ICON.fail} faultline ablation: ${all ? 'PROVEN' : 'NOT PROVEN'} (${proven} of ${entries.length} ${scenarios} fail with their protection off, as they must)`,
    '',
    'Each scenario ran with its protectedBy patterns switched off: a failed check is the expected outcome; a pass or an inconclusive run means the scenario proves nothing about those patterns.',
    '',
    '| ablation | scenario | switched off | why | first failed check |',
    '| --- | --- | --- | --- | --- |',
    ...entries.map(row),
    '',
    ...(options.indexPath === undefined ? [] : [`Index: ${code(options.indexPath)}`, '']),
  ];
  return `${[...head, ...entries.flatMap((x) => runSection(x, options, '###'))].join('\n')}\n`;
}
