// A suite's index page (`reports/<suite-id>/index.html`): one line per scenario with its verdict,
// its first failed check in numbers, and a link to its own report. Same look and rules as a run's
// report: self-contained, no script, every text escaped.

import type { RunResult, Verdict } from '../types.ts';
import { checksInReportOrder } from './html.ts';
import { failureMessage } from './junit.ts';
import { page } from './style.ts';
import { DASH, escapeMarkup as e, formatMs } from './text.ts';

export interface SuiteEntry {
  result: RunResult;
  /** the scenario's report.html, relative to the index page */
  href: string;
}

/** Fail if any run failed, else inconclusive if any was (or there were none), else pass. */
export function suiteVerdict(results: readonly RunResult[]): Verdict {
  if (results.length === 0) return 'inconclusive';
  if (results.some((r) => r.verdict === 'fail')) return 'fail';
  if (results.some((r) => r.verdict === 'inconclusive')) return 'inconclusive';
  return 'pass';
}

/** A relative URL to a file path: each segment percent-encoded, so no name can break out. */
const hrefOf = (path: string): string => path.split('/').map(encodeURIComponent).join('/');

function row({ result: r, href }: SuiteEntry): string {
  const count = (s: string) => r.checks.filter((c) => c.status === s).length;
  const firstBad = checksInReportOrder(r.checks).find((c) => c.status !== 'pass');
  const why = firstBad === undefined ? DASH : `${firstBad.name}${firstBad.phase ? ` [${firstBad.phase}]` : ''}: ${failureMessage(firstBad)}`;
  return (
    `<tr class="${r.verdict}"><td class="status ${r.verdict}">${r.verdict}</td>` +
    `<td><a href="${e(hrefOf(href))}">${e(r.scenario.name)}</a></td><td>${e(r.scenario.description)}</td>` +
    `<td class="num">${count('fail')} / ${count('inconclusive')} / ${count('pass')}</td><td>${e(why)}</td>` +
    `<td class="num">${e(formatMs(r.wallMs))}</td><td class="num">${e(String(r.seed))}</td></tr>`
  );
}

export function renderIndex(suiteId: string, entries: readonly SuiteEntry[]): string {
  const verdict = suiteVerdict(entries.map((x) => x.result));
  const failed = entries.filter((x) => x.result.verdict !== 'pass').length;
  const order = { fail: 0, inconclusive: 1, pass: 2 };
  const rows = [...entries].sort((a, b) => order[a.result.verdict] - order[b.result.verdict]).map(row);
  const runtimes = [...new Set(entries.map((x) => x.result.runtime))].join(', ') || DASH;
  return page(`${verdict.toUpperCase()} suite · faultline`, [
    `<h1 class="${verdict}"><span class="verdict">${verdict.toUpperCase()}</span> suite <span class="desc">— ${entries.length} scenario${entries.length === 1 ? '' : 's'}, ${failed} not passed · runtime ${e(runtimes)}</span></h1>`,
    `<p class="meta">suite ${e(suiteId)} · one testsuite per scenario in <a href="junit.xml">junit.xml</a></p>`,
    '<h2>Scenarios</h2>',
    rows.length === 0
      ? '<p class="empty">no scenario ran</p>'
      : `<table><thead><tr><th>verdict</th><th>scenario</th><th>description</th><th class="num">checks failed / inconclusive / passed</th><th>first check not passed</th><th class="num">wall</th><th class="num">seed</th></tr></thead><tbody>${rows.join('')}</tbody></table>`,
  ]);
}
