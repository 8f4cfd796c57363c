// The run as one self-contained HTML page: verdict, every check with its numbers, charts with the
// fault timeline, per-phase figures, faults, load, replay. No external resource of any kind (the
// CSP forbids them too), no script needed: it opens from disk, offline, in any browser.

import { type CheckResult, type CheckStatus, PHASES, type RunResult } from '../types.ts';
import { cascadeFigures, phaseCascadeFigures } from './cascade.ts';
import { orderedResult } from './json.ts';
import { page } from './style.ts';
import { latencyChart, outcomeChart, rateChart, SERIES_COLOURS } from './svg.ts';
import { DASH, escapeMarkup as e, formatMs, formatNumber, formatShare, intervalText, jsonForScript, MARGINAL_TEXT, withUnit } from './text.ts';

const STATUS_ORDER: Record<CheckStatus, number> = { fail: 0, inconclusive: 1, pass: 2 };

/** Checks as the report lists them: failures, then inconclusive, then passes; stable otherwise. */
export function checksInReportOrder(checks: readonly CheckResult[]): CheckResult[] {
  return [...checks].sort((a, b) => STATUS_ORDER[a.status] - STATUS_ORDER[b.status]);
}

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
      `<tr class="${c.status}${c.marginal === true ? ' marginal' : ''}" data-check="${e(c.id)}"><td class="status ${c.status}">${c.status}${
        c.marginal === true ? `<br><span class="marginal">${e(MARGINAL_TEXT)}</span>` : ''
      }</td>${cell(c.name)}${cell(c.phase ?? DASH)}${cell(c.endpoint ?? DASH)}` +
      `${num(withUnit(c.measured, c.unit))}${num(intervalText(c.interval, c.unit))}${num(withUnit(c.threshold, c.unit))}${cell(c.why)}</tr>`,
  );
  const marginal = r.checks.filter((c) => c.marginal === true).length;
  const judgement = r.judgement ?? { confidence: 0.95, strict: false };
  return (
    `<h2>Checks: ${count('fail')} failed, ${count('inconclusive')} inconclusive, ${count('pass')} passed${marginal > 0 ? `, ${marginal} marginal` : ''}</h2>` +
    `<p class="meta">intervals at ${e(formatNumber(judgement.confidence * 100, 2))}% confidence; a marginal check's interval straddles its objective, so a repeat could flip it; it counts ${
      judgement.strict ? 'as failed (--strict)' : 'by its point estimate'
    }</p>` +
    table(head('status', 'check', 'phase', 'endpoint', '#measured', '#interval', '#threshold', 'why'), rows, 'no checks were run, so nothing is proven')
  );
}

const key = (name: keyof typeof SERIES_COLOURS) => `<span class="key" style="background:${SERIES_COLOURS[name]}"></span>${name}`;
const FAULT_KEY =
  '<span class="key" style="background:#fecaca;border:1px solid #dc2626"></span>fault in force (applied to removed; dashed: never landed), dotted line: proven landed';

function chartsSection(r: RunResult): string {
  const endpoints = [...new Set([...r.summaries.map((s) => s.endpoint), ...r.series.map((p) => p.endpoint)])];
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
  const rate =
    r.series.length === 0
      ? ''
      : `<h3>Load, all endpoints</h3><div class="charts one"><figure>${rateChart({ points: r.series, offeredRatePerSecond: r.load.offeredRatePerSecond, durationMs: r.load.durationMs, phases: r.phases, faults: r.faults })}` +
        `<figcaption>requests per second:${key('offered')}${key('achieved')}</figcaption></figure></div>`;
  const empty = r.series.length === 0 ? '<p class="empty">no samples: the load generator recorded no request</p>' : '';
  return `<h2>Timeline</h2><p class="meta">${FAULT_KEY}</p>${empty}${rate}${body.join('')}`;
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
      `${num(formatMs(f.appliedAtMs))}${num(formatMs(f.provenAtMs))}${num(formatMs(f.removedAtMs))}<td class="status ${f.landed ? 'pass' : 'inconclusive'}">${f.landed ? 'yes' : 'no'}</td>${cell(f.evidence)}</tr>`,
  );
  return `<h2>Faults</h2>${table(head('kind', 'target', 'fault', '#at', '#for', '#applied', '#proven', '#removed', 'landed', 'evidence'), rows, 'this scenario injects no fault')}`;
}

/** The blast-radius matrix: a row per endpoint x tenant, a cell per phase, coloured by whether it held. */
function blastSection(r: RunResult): string {
  const phases = ['baseline', 'fault', 'recovery'] as const;
  const keys = [...new Set(r.blastRadius.map((c) => `${c.endpoint}\u0000${c.tenant}`))];
  const rows = keys.map((key) => {
    const [endpoint, tenant] = key.split('\u0000') as [string, string];
    const cells = phases.map((phase) => {
      const c = r.blastRadius.find((x) => x.endpoint === endpoint && x.tenant === tenant && x.phase === phase);
      if (c === undefined) return '<td class="cell none">–</td>';
      const cls = c.holds === null ? 'none' : c.holds ? 'hold' : c.mayBreach ? 'allowed' : 'breach';
      const title = c.breached.length > 0 ? ` title="${e(c.breached.join('; '))}"` : '';
      return `<td class="cell ${cls}"${title}>${formatShare(c.availability)} · p99 ${formatMs(c.p99Ms)}<br><small>${c.ok} ok · ${c.degraded} degraded · ${c.error} error</small></td>`;
    });
    return `<tr>${cell(endpoint)}${cell(tenant)}${cells.join('')}</tr>`;
  });
  const key =
    '<p class="meta">green: held its SLOs · red: breached outside mayBreach · amber: breached, allowed by mayBreach · grey: no objective or no samples</p>';
  const recovery = r.recovery.map((f): [string, string] => [
    f.endpoint,
    `SLOs held again ${f.recoveredAfterMs === null ? 'never (before the load ended)' : `${formatMs(f.recoveredAfterMs)} after the fault was removed`}; undegraded ${f.undegradedAfterMs === null ? 'never' : `after ${formatMs(f.undegradedAfterMs)}`}`,
  ]);
  return `<h2>Blast radius</h2>${key}${table(head('endpoint', 'tenant', 'baseline', 'fault', 'recovery'), rows, 'no cells')}<h2>Recovery</h2>${dl(recovery, 'no fault was removed, so there is no recovery to measure')}`;
}

function cascadeSection(r: RunResult): string {
  const rows = cascadeFigures(r.metrics, r.metricsShown).map((c) => `<tr>${cell(c.service)}${cell(c.figure)}${num(formatNumber(c.value))}</tr>`);
  const whole = `<h2>Cascade</h2><p class="meta">what the resilience layer did during the whole run, from the services' own counters at its end</p>${table(head('service', 'figure', '#count'), rows, 'no cascade counters were scraped')}`;
  const perPhaseTitle = '<h3>Breaker, shed and rate-limited per phase</h3>';
  if (r.phaseCounters === undefined)
    return `${whole}${perPhaseTitle}<p class="empty">this result has no per-phase counters (it was written before they were recorded)</p>`;
  const phaseRows = phaseCascadeFigures(r.phaseCounters, r.metricsShown).map(
    (c) =>
      `<tr data-figure="${e(`${c.service} ${c.figure}`)}">${cell(c.service)}${cell(c.figure)}${PHASES.map((p) => num(c.byPhase[p] === undefined ? DASH : formatNumber(c.byPhase[p]))).join('')}</tr>`,
  );
  const key = `<p class="meta">how much each counter rose in each phase, from the services' counters scraped every second (${DASH}: that service was not scraped around the phase)</p>`;
  return `${whole}${perPhaseTitle}${key}${table(head('service', 'figure', ...PHASES.map((p) => `#${p}`)), phaseRows, 'no service exposed breaker transitions, shed or rate-limited counters')}`;
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
        ...(l.runners !== undefined && l.runners.length > 1
          ? ([
              [
                'k6 runners',
                l.runners
                  .map((x) => `${x.segment}: ${formatNumber(x.requests)} requests${x.startedAfterMs ? `, started +${formatMs(x.startedAfterMs)}` : ''}`)
                  .join('; '),
              ],
            ] as [string, string][])
          : []),
      ],
      '',
    )
  );
}

function metricsSection(r: RunResult): string {
  const services = Object.keys(r.metrics).sort();
  if (services.length === 0) return '';
  const rows = services.flatMap((service) =>
    Object.entries(r.metrics[service] ?? {}).map(([line, value]) => `<tr>${cell(service)}${cell(line)}${num(formatNumber(value))}</tr>`),
  );
  return `<details><summary>Service metrics at the end of the run (${rows.length})</summary>${table(head('service', 'metric', '#value'), rows, 'none')}</details>`;
}

const clock = (ms: number): string => `+${(ms / 1000).toFixed(3)} s`;

/** For a failed run: where it first went wrong, and what the services logged around then. */
function breachSection(r: RunResult): string {
  const b = r.breach;
  if (b === undefined) return '';
  const where = [b.phase, b.endpoint].filter(Boolean).join(' ');
  const intro =
    `<p>${e(b.checkName)}${where ? ` [${e(where)}]` : ''}: ${e(b.why)}.</p>` +
    `<p class="meta">service log lines from ${e(formatMs(b.fromMs))} to ${e(formatMs(b.toMs))} on the load clock, from ${e(b.files.join(', ') || 'no log file')}; ` +
    `lines alike (same source, level and message) are folded into the first${b.omitted > 0 ? `; ${b.omitted} less severe or more distant lines left out` : ''}</p>`;
  if (b.lines.length === 0) return `<h2>First breach: second ${b.second}</h2>${intro}<p class="empty">no service log line with a timestamp in this window</p>`;
  const breachMs = b.second * 1000;
  const rows: string[] = [];
  let marked = false;
  for (const l of b.lines) {
    if (!marked && l.tMs >= breachMs) {
      rows.push(`<tr class="marker"><td colspan="4">${e(`${clock(breachMs)}  first breach: second ${b.second}`)}</td></tr>`);
      marked = true;
    }
    const repeats = l.repeats > 0 ? `<span class="repeats"> (+${l.repeats} like it until ${e(clock(l.lastTMs))})</span>` : '';
    rows.push(
      `<tr${marked ? ' class="after"' : ''}>${cell(clock(l.tMs), 'num')}${cell(l.source, 'nowrap')}<td class="nowrap level-${e(l.level)}">${e(l.level.toUpperCase())}</td><td>${e(l.text)}${repeats}</td></tr>`,
    );
  }
  if (!marked) rows.push(`<tr class="marker"><td colspan="4">${e(`${clock(breachMs)}  first breach: second ${b.second}`)}</td></tr>`);
  return `<h2>First breach: second ${b.second}</h2>${intro}<table class="log">${head('#time', 'source', 'level', 'message')}<tbody>${rows.join('')}</tbody></table>`;
}

export function renderHtml(result: RunResult): string {
  const versions = Object.entries(result.versions).sort(([a], [b]) => a.localeCompare(b));
  return page(`${result.verdict.toUpperCase()} ${result.scenario.name} · faultline`, [
    verdictLine(result),
    checksSection(result),
    chartsSection(result),
    breachSection(result),
    summariesSection(result),
    blastSection(result),
    cascadeSection(result),
    faultsSection(result),
    loadSection(result),
    `<h2>Replay</h2><pre><code>${e(result.replay)}</code></pre>`,
    `<h2>Versions</h2>${dl(versions, 'no versions recorded')}`,
    metricsSection(result),
    // the full result rides along for tools that scrape the report; escaped so it cannot end the element
    `<script type="application/json" id="faultline-result">${jsonForScript(orderedResult(result))}</script>`,
  ]);
}
