// The run as one self-contained HTML page: verdict, every check with its numbers, charts with the
// fault timeline, per-phase figures, faults, load, replay. No external resource of any kind (the
// CSP forbids them too), no script needed: it opens from disk, offline, in any browser.

import type { CheckResult, CheckStatus, RunResult } from '../types.ts';
import { orderedResult } from './json.ts';
import { latencyChart, outcomeChart, SERIES_COLOURS } from './svg.ts';
import { DASH, escapeMarkup as e, formatMs, formatNumber, formatShare, jsonForScript, withUnit } from './text.ts';

const STATUS_ORDER: Record<CheckStatus, number> = { fail: 0, inconclusive: 1, pass: 2 };

/** Checks as the report lists them: failures, then inconclusive, then passes; stable otherwise. */
export function checksInReportOrder(checks: readonly CheckResult[]): CheckResult[] {
  return [...checks].sort((a, b) => STATUS_ORDER[a.status] - STATUS_ORDER[b.status]);
}

const STYLE = `
:root{--pass:#15803d;--fail:#b91c1c;--inconclusive:#b45309;--line:#e2e8f0;--muted:#64748b}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;margin:0 auto;max-width:1100px;padding:1rem 1.5rem 3rem;color:#0f172a;line-height:1.45}
h1{font-size:1.15rem;margin:0;padding:.7rem 1rem;border-radius:6px;color:#fff}
h1.pass{background:var(--pass)}h1.fail{background:var(--fail)}h1.inconclusive{background:var(--inconclusive)}
h1 .desc{font-weight:400}
h2{font-size:1.05rem;margin:2rem 0 .5rem;border-bottom:1px solid var(--line);padding-bottom:.25rem}
h3{font-size:.95rem;margin:1.2rem 0 .3rem}
.meta{color:var(--muted);font-size:.85rem;margin:.4rem 0 0}
table{border-collapse:collapse;width:100%;font-size:.85rem}
th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid var(--line);vertical-align:top}
th{background:#f8fafc;font-weight:600}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.status{font-weight:700;text-transform:uppercase;font-size:.75rem;white-space:nowrap}
.status.pass{color:var(--pass)}.status.fail{color:var(--fail)}.status.inconclusive{color:var(--inconclusive)}
tr.fail td{background:#fef2f2}tr.inconclusive td{background:#fffbeb}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(420px,1fr));gap:.5rem 1rem}
figure{margin:0}figcaption{font-size:.8rem;color:var(--muted)}
.key{display:inline-block;width:.8em;height:.8em;border-radius:2px;margin:0 .25em 0 .6em;vertical-align:-.05em}
pre{background:#0f172a;color:#e2e8f0;padding:.7rem 1rem;border-radius:6px;overflow-x:auto}
pre code{user-select:all;-webkit-user-select:all}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem;font-size:.9rem}dt{color:var(--muted)}dd{margin:0}
.empty{color:var(--muted);font-style:italic}
`;

const cell = (text: string, cls = ''): string => `<td${cls ? ` class="${cls}"` : ''}>${e(text)}</td>`;
const num = (text: string): string => cell(text, 'num');
const head = (...names: string[]): string =>
  `<thead><tr>${names.map((n) => (n.startsWith('#') ? `<th class="num">${e(n.slice(1))}</th>` : `<th>${e(n)}</th>`)).join('')}</tr></thead>`;
const table = (header: string, rows: string[], empty: string): string =>
  rows.length === 0 ? `<p class="empty">${e(empty)}</p>` : `<table>${header}<tbody>${rows.join('')}</tbody></table>`;

function verdictLine(r: RunResult): string {
  const disabled = r.disabled.length > 0 ? r.disabled.join(', ') : 'none';
  const facts = [`runtime ${r.runtime}`, `seed ${r.seed}`, `disabled: ${disabled}`, `wall ${formatMs(r.wallMs)}`];
  return (
    `<h1 class="${r.verdict}"><span class="verdict">${r.verdict.toUpperCase()}</span> ${e(r.scenario.name)}` +
    ` <span class="desc">— ${e(r.scenario.description)} · ${e(facts.join(' · '))}</span></h1>` +
    `<p class="meta">run ${e(r.runId)} · ${e(r.scenario.file)} · started ${e(r.startedAt)} · finished ${e(r.finishedAt)} · boot ${e(formatMs(r.bootMs))}` +
    ` · protected by: ${e(r.scenario.protectedBy.join(', ') || 'none')}</p>`
  );
}

function checksSection(r: RunResult): string {
  const count = (s: CheckStatus) => r.checks.filter((c) => c.status === s).length;
  const rows = checksInReportOrder(r.checks).map(
    (c) =>
      `<tr class="${c.status}" data-check="${e(c.id)}"><td class="status ${c.status}">${c.status}</td>${cell(c.name)}${cell(c.phase ?? DASH)}${cell(c.endpoint ?? DASH)}` +
      `${num(withUnit(c.measured, c.unit))}${num(withUnit(c.threshold, c.unit))}${cell(c.why)}</tr>`,
  );
  return (
    `<h2>Checks: ${count('fail')} failed, ${count('inconclusive')} inconclusive, ${count('pass')} passed</h2>` +
    table(head('status', 'check', 'phase', 'endpoint', '#measured', '#threshold', 'why'), rows, 'no checks were run, so nothing is proven')
  );
}

function chartsSection(r: RunResult): string {
  const endpoints = [...new Set([...r.summaries.map((s) => s.endpoint), ...r.series.map((p) => p.endpoint)])];
  const key = (name: keyof typeof SERIES_COLOURS) => `<span class="key" style="background:${SERIES_COLOURS[name]}"></span>${name}`;
  const body = endpoints.map((endpoint) => {
    const points = r.series.filter((p) => p.endpoint === endpoint);
    if (points.length === 0) return `<h3>${e(endpoint)}</h3><p class="empty">no samples for ${e(endpoint)}</p>`;
    const input = { endpoint, points, phases: r.phases, faults: r.faults };
    return (
      `<h3>${e(endpoint)}</h3><div class="charts">` +
      `<figure>${latencyChart(input)}<figcaption>latency per second (ms):${key('p50')}${key('p99')}</figcaption></figure>` +
      `<figure>${outcomeChart(input)}<figcaption>answers per second:${key('ok')}${key('degraded')}${key('error')}</figcaption></figure></div>`
    );
  });
  return `<h2>Timeline</h2>${r.series.length === 0 ? '<p class="empty">no samples: the load generator recorded no request</p>' : ''}${body.join('')}`;
}

function summariesSection(r: RunResult): string {
  const rows = r.summaries.map(
    (s) =>
      `<tr>${cell(s.phase)}${cell(s.endpoint)}${num(`${formatMs(s.startMs)} – ${formatMs(s.endMs)}`)}${num(String(s.ok))}${num(String(s.degraded))}${num(String(s.error))}` +
      `${num(formatShare(s.availability))}${num(formatMs(s.p50Ms))}${num(formatMs(s.p95Ms))}${num(formatMs(s.p99Ms))}${num(formatMs(s.maxMs))}</tr>`,
  );
  return `<h2>Per phase</h2>${table(head('phase', 'endpoint', '#window', '#ok', '#degraded', '#error', '#availability', '#p50', '#p95', '#p99', '#max'), rows, 'no samples')}`;
}

function faultsSection(r: RunResult): string {
  const rows = r.faults.map(
    (f) =>
      `<tr class="${f.landed ? '' : 'inconclusive'}">${cell(f.kind)}${cell(f.target)}${cell(f.description)}${num(formatMs(f.scheduledAtMs))}${num(formatMs(f.scheduledForMs))}` +
      `${num(formatMs(f.appliedAtMs))}${num(formatMs(f.removedAtMs))}<td class="status ${f.landed ? 'pass' : 'inconclusive'}">${f.landed ? 'yes' : 'no'}</td>${cell(f.evidence)}</tr>`,
  );
  return `<h2>Faults</h2>${table(head('kind', 'target', 'fault', '#at', '#for', '#applied', '#removed', 'landed', 'evidence'), rows, 'this scenario injects no fault')}`;
}

function dl(entries: [string, string][], empty: string): string {
  return entries.length === 0 ? `<p class="empty">${e(empty)}</p>` : `<dl>${entries.map(([k, v]) => `<dt>${e(k)}</dt><dd>${e(v)}</dd>`).join('')}</dl>`;
}

function loadSection(r: RunResult): string {
  const l = r.load;
  return (
    '<h2>Load</h2>' +
    dl(
      [
        ['offered rate', `${formatNumber(l.offeredRatePerSecond)} req/s`],
        ['duration', formatMs(l.durationMs)],
        ['requests sent', formatNumber(l.requestsSent)],
        ['dropped iterations', formatNumber(l.droppedIterations)],
        ['k6 exit code', formatNumber(l.k6ExitCode)],
      ],
      '',
    )
  );
}

function metricsSection(r: RunResult): string {
  const services = Object.keys(r.metrics).sort();
  if (services.length === 0) return '';
  const rows = services.flatMap((service) => Object.entries(r.metrics[service] ?? {}).map(([line, value]) => `<tr>${cell(service)}${cell(line)}${num(formatNumber(value))}</tr>`));
  return `<details><summary>Service metrics at the end of the run (${rows.length})</summary>${table(head('service', 'metric', '#value'), rows, 'none')}</details>`;
}

export function renderHtml(result: RunResult): string {
  const csp = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";
  const versions = Object.entries(result.versions).sort(([a], [b]) => a.localeCompare(b));
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${csp}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${result.verdict.toUpperCase()} ${e(result.scenario.name)} · faultline</title>`,
    `<style>${STYLE}</style></head><body>`,
    verdictLine(result),
    checksSection(result),
    chartsSection(result),
    summariesSection(result),
    faultsSection(result),
    loadSection(result),
    `<h2>Replay</h2><pre><code>${e(result.replay)}</code></pre>`,
    `<h2>Versions</h2>${dl(versions, 'no versions recorded')}`,
    metricsSection(result),
    // the full result rides along for tools that scrape the report; escaped so it cannot end the element
    `<script type="application/json" id="faultline-result">${jsonForScript(orderedResult(result))}</script>`,
    '</body></html>',
    '',
  ].join('\n');
}
