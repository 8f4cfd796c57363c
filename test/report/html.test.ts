import { describe, expect, it } from 'vitest';
import { renderHtml } from '../../harness/report/html.ts';
import { shop } from '../helpers/systems.ts';
import { ENDPOINT, makeBreach, makeCheck, makeFailingRun, makeFault, makeLogLine, makeRunResult, makeSummary } from './fixture.ts';

const XSS = '</script><img src=x onerror=alert(1)>';

/** The report's visible text in document order, tags dropped, the five entities decoded. */
const textOf = (html: string) =>
  html
    .replace(/<script[\s\S]*?<\/script>/g, '')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');

const OUR_TAGS = [
  'html',
  'head',
  'meta',
  'title',
  'style',
  'body',
  'h1',
  'h2',
  'h3',
  'span',
  'p',
  'table',
  'thead',
  'tbody',
  'tr',
  'th',
  'td',
  'div',
  'figure',
  'figcaption',
  'svg',
  'rect',
  'text',
  'line',
  'path',
  'g',
  'pre',
  'code',
  'dl',
  'dt',
  'dd',
  'details',
  'summary',
  'script',
  'br',
  'small',
];

/** Every start tag with its attribute names; quoted values are skipped, so text in them cannot pose as markup. */
function tagsOf(html: string): { name: string; attributes: string[] }[] {
  const out: { name: string; attributes: string[] }[] = [];
  for (const m of html.matchAll(/<([a-zA-Z][\w-]*)((?:\s+[\w:-]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'>]+))?)*)\s*\/?>/g))
    out.push({
      name: m[1]!.toLowerCase(),
      attributes: [...m[2]!.matchAll(/\s([\w:-]+)(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'>]+))?/g)].map((a) => a[1]!.toLowerCase()),
    });
  return out;
}

describe('renderHtml', () => {
  it('shows PASS and every check of a passing run', () => {
    const run = makeRunResult();
    const html = renderHtml(run);
    expect(html).toMatch(/<h1 class="pass"><span class="verdict">PASS<\/span> postgres-latency/);
    for (const check of run.checks) expect(textOf(html)).toContain(check.name);
    expect(html.match(/<tr class="pass" data-check=/g)).toHaveLength(run.checks.length);
  });

  it('puts the verdict line first with runtime, seed, disabled patterns and wall time', () => {
    const html = renderHtml(makeRunResult({ verdict: 'inconclusive', disabled: ['breaker', 'retry'], seed: 7 }));
    const h1 = textOf(html.slice(html.indexOf('<h1'), html.indexOf('</h1>')));
    expect(h1).toContain('INCONCLUSIVE');
    expect(h1).toContain('Postgres answers 400 ms late');
    expect(h1).toContain('runtime local');
    expect(h1).toContain('seed 7');
    expect(h1).toContain('disabled: breaker, retry');
    expect(h1).toContain('wall 41.5 s');
    expect(html.indexOf('<h1')).toBeLessThan(html.indexOf('<table'));
  });

  it('lists the failed check first, with its measured value and threshold', () => {
    const html = renderHtml(makeFailingRun());
    expect(html).toContain('<h1 class="fail">');
    const firstRow = html.slice(html.indexOf('<tbody>') + 7, html.indexOf('</tr>', html.indexOf('<tbody>')));
    expect(firstRow).toContain('class="fail"');
    expect(firstRow).toContain('0.971 ratio');
    expect(firstRow).toContain('0.995 ratio');
    expect(firstRow).toContain('97.10% of 600 answers');
  });

  it('orders inconclusive checks after failures and before passes', () => {
    const run = makeRunResult({
      checks: [makeCheck({ name: 'a-pass' }), makeCheck({ name: 'b-inconclusive', status: 'inconclusive' }), makeCheck({ name: 'c-fail', status: 'fail' })],
    });
    const text = textOf(renderHtml(run));
    expect(text.indexOf('c-fail')).toBeLessThan(text.indexOf('b-inconclusive'));
    expect(text.indexOf('b-inconclusive')).toBeLessThan(text.indexOf('a-pass'));
  });

  it('escapes markup in every piece of text and never lets it out raw', () => {
    const run = makeFailingRun({
      scenario: { name: `evil${XSS}`, description: `desc ${XSS} & "quotes" 'single'`, file: `scenarios/${XSS}.ts`, protectedBy: [XSS] },
      checks: [makeCheck({ name: XSS, why: XSS, status: 'fail', endpoint: XSS })],
      faults: [makeFault({ description: XSS, evidence: XSS, target: XSS })],
      series: [{ second: 0, endpoint: XSS, ok: 1, degraded: 0, error: 0, p50Ms: 1, p99Ms: 1 }],
      summaries: [makeSummary({ endpoint: XSS })],
      replay: `npm run chaos -- ${XSS}`,
      versions: { [XSS]: XSS },
      metrics: { [XSS]: { [XSS]: 1 } },
      runtime: XSS,
      disabled: [XSS],
      breach: makeBreach({ checkName: XSS, why: XSS, endpoint: XSS, files: [XSS], lines: [makeLogLine({ source: XSS, level: XSS, text: XSS })] }),
    });
    const html = renderHtml(run);
    expect(html).not.toContain(XSS);
    expect(html).not.toMatch(/<img/i);
    const tags = tagsOf(html);
    expect(OUR_TAGS).toEqual(expect.arrayContaining([...new Set(tags.map((t) => t.name))]));
    expect(tags.flatMap((t) => t.attributes).filter((a) => /^on/i.test(a))).toEqual([]);
    expect(html.match(/<\/script>/g)).toHaveLength(1);
    expect(html).toContain('&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('&amp; &quot;quotes&quot; &#39;single&#39;');
    expect(textOf(html)).toContain(`desc ${XSS} & "quotes"`);
  });

  it('embeds the result as JSON that cannot close its script element', () => {
    const run = makeRunResult({ scenario: { ...makeRunResult().scenario, description: XSS } });
    const html = renderHtml(run);
    const json = /<script type="application\/json" id="faultline-result">([\s\S]*?)<\/script>/.exec(html)?.[1] ?? '';
    expect(json).not.toContain('<');
    expect(JSON.parse(json).scenario.description).toBe(XSS);
  });

  it('references no external resource', () => {
    const run = makeRunResult({ scenario: { ...makeRunResult().scenario, description: 'see https://example.com/runbook' } });
    const html = renderHtml(run);
    expect(html).not.toMatch(/\b(?:src|href|xlink:href|action)\s*=\s*["']?\s*(?:https?:)?\/\//i);
    expect(html).not.toMatch(/url\(\s*["']?\s*(?:https?:)?\/\//i);
    expect(html).not.toMatch(/@import/i);
    expect(html).not.toMatch(/<(?:link|iframe|object|embed|img)\b/i);
    expect(html.replace(/<script type="application\/json"[\s\S]*?<\/script>/, '')).not.toMatch(/<script/i);
    expect(html).toContain("default-src 'none'");
  });

  it('shows the per-phase figures, the faults, the load, the replay command and versions', () => {
    const run = makeRunResult();
    const text = textOf(renderHtml(run));
    expect(text).toContain('98.00%');
    expect(text).toContain('420 ms');
    expect(text).toContain('probe query took 402 ms (baseline 1.2 ms)');
    expect(text).toContain('50 req/s');
    expect(text).toContain('1500');
    expect(renderHtml(run)).toContain(`<pre><code>${run.replay}</code></pre>`);
    expect(text).toContain('v1.3.0');
  });

  it('says "no samples" when nothing was recorded and renders missing figures as a dash', () => {
    const run = makeFailingRun({
      series: [],
      summaries: [makeSummary({ ok: 0, availability: null, p50Ms: null, p95Ms: null, p99Ms: null, maxMs: null })],
      checks: [makeCheck({ status: 'fail', measured: null, why: 'no samples' })],
      faults: [makeFault({ appliedAtMs: null, removedAtMs: null, landed: false })],
      load: { offeredRatePerSecond: 50, durationMs: 30_000, requestsSent: 0, droppedIterations: 0, k6ExitCode: null },
      metrics: {},
      versions: {},
    });
    const html = renderHtml(run);
    expect(html).toContain('no samples');
    expect(html).toContain(`no samples for ${ENDPOINT}`);
    expect(html).not.toContain('<svg');
    const visible = html.replace(/<script type="application\/json"[\s\S]*?<\/script>/, '');
    expect(visible).not.toMatch(/null|NaN|undefined|Infinity/);
    expect(html).toContain('<td class="num">–</td>');
  });

  it('shows the first breach of a failed run: the check, the second, and the log lines around it with a marker', () => {
    const html = renderHtml(makeFailingRun());
    const section = html.slice(html.indexOf('<h2>First breach'), html.indexOf('<h2>Per phase'));
    const text = textOf(section);
    expect(text).toContain('First breach: second 20');
    expect(text).toContain('availability >= 99.5% [recovery GET /products/:id]: 94.00% of 50 requests answered in second 20, below 99.50%');
    expect(text).toContain('from 17 s to 22 s on the load clock, from logs/catalog.log, logs/gateway.log, logs/toxiproxy.log');
    // log lines in time order, the marker between the last line before second 20 and the first after
    const rows = [...section.matchAll(/<tr( class="[^"]*")?>([\s\S]*?)<\/tr>/g)].map((m) => textOf(m[2]!).replace(/\s+/g, ' ').trim());
    expect(rows.slice(1)).toEqual([
      '+19.020 s toxiproxy INFO Accepted client name=catalog_to_postgres (+12 like it until +21.900 s)',
      '+20.000 s first breach: second 20',
      '+20.130 s catalog-1 WARN request failed route=/products/:id status=504 tenant=acme',
      '+20.131 s gateway-1 WARN request failed route=/products/:id status=504 tenant=acme (+2 like it until +20.900 s)',
    ]);
    expect(section).toContain('<td class="nowrap level-warn">WARN</td>');
  });

  it('says so when no log line fell in the window, and counts the lines left out', () => {
    const empty = textOf(renderHtml(makeFailingRun({ breach: makeBreach({ lines: [] }) })));
    expect(empty).toContain('no service log line with a timestamp in this window');
    const trimmed = textOf(renderHtml(makeFailingRun({ breach: makeBreach({ omitted: 17 }) })));
    expect(trimmed).toContain('17 less severe or more distant lines left out');
  });

  it('has no breach section for a passing run', () => {
    expect(renderHtml(makeRunResult())).not.toContain('First breach');
  });

  it('draws offered vs achieved load and lists when each fault was applied, proven landed and removed', () => {
    const html = renderHtml(makeRunResult());
    expect(html).toContain('aria-label="offered vs achieved requests per second, all endpoints"');
    const faultRow = textOf(html.slice(html.indexOf('<h2>Faults'), html.indexOf('<h2>Load'))).replace(/\s+/g, ' ');
    expect(faultRow).toContain('applied proven removed');
    expect(faultRow).toContain('10 s 10.5 s 20 s');
    expect(renderHtml(makeRunResult({ faults: [makeFault({ provenAtMs: undefined, landed: false })] }))).not.toContain('class="fault-proven"');
  });
});

describe('blast radius and recovery in the report', () => {
  it('draws one row per endpoint x tenant with a coloured cell per phase, and the recovery times', async () => {
    const { makeRunResult } = await import('./fixture.ts');
    const { renderHtml } = await import('../../harness/report/html.ts');
    const r = makeRunResult();
    const breached = { ...r.blastRadius[4]!, holds: false, breached: ['availability >= 0.99 (measured 0.5)'] };
    const html = renderHtml({ ...r, blastRadius: r.blastRadius.map((c, i) => (i === 4 ? breached : c)), verdict: 'fail' });
    expect(html).toContain('<h2>Blast radius</h2>');
    expect(html.match(/<td class="cell hold"/g)?.length).toBe(5);
    expect(html).toContain('<td class="cell breach" title="availability &gt;= 0.99 (measured 0.5)"');
    expect(html).toMatch(/SLOs held again 985 ms after the fault was removed; undegraded after 2 s/);
  });
});

describe('the cascade section', () => {
  const sectionOf = (html: string) => {
    const start = html.indexOf('<h2>Cascade</h2>');
    return html.slice(start, html.indexOf('<h2>', start + 1));
  };
  /** Each body row of the section's tables as its cells' text. */
  const rowsOf = (section: string) =>
    [...section.matchAll(/<tr[^>]*>((?:<td[^>]*>[\s\S]*?<\/td>)+)<\/tr>/g)].map((m) =>
      [...m[1]!.matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((c) => textOf(c[1]!)),
    );
  // the shop's run: its declaration titles and splits the counters (metrics.show)
  const metricsShown = shop.metrics!.show.map((s) => ({ ...s, by: [...s.by] }));
  const run = makeRunResult({
    metricsShown,
    metrics: {
      orders: {
        'breaker_transitions_total{dependency="payments",to="open"}': 3,
        'breaker_transitions_total{dependency="postgres",to="open"}': 1,
        'dependency_calls_total{dependency="payments",result="ok"}': 500,
      },
      gateway: { 'shed_total{priority="background"}': 143, 'rate_limited_total{tenant="initech",source="local"}': 420 },
    },
    phaseCounters: [
      { phase: 'baseline', service: 'gateway', series: 'shed_total{priority="background"}', increase: 0 },
      { phase: 'fault', service: 'gateway', series: 'shed_total{priority="background"}', increase: 140 },
      { phase: 'recovery', service: 'gateway', series: 'shed_total{priority="background"}', increase: 3 },
      { phase: 'baseline', service: 'gateway', series: 'rate_limited_total{tenant="initech",source="local"}', increase: 0 },
      { phase: 'fault', service: 'gateway', series: 'rate_limited_total{tenant="initech",source="local"}', increase: 420 },
      { phase: 'recovery', service: 'gateway', series: 'rate_limited_total{tenant="initech",source="local"}', increase: 0 },
      { phase: 'fault', service: 'orders', series: 'breaker_transitions_total{dependency="payments",to="open"}', increase: 3 },
      { phase: 'recovery', service: 'orders', series: 'breaker_transitions_total{dependency="payments",to="open"}', increase: 0 },
      { phase: 'fault', service: 'orders', series: 'breaker_transitions_total{dependency="postgres",to="open"}', increase: 1 },
      { phase: 'recovery', service: 'orders', series: 'breaker_transitions_total{dependency="postgres",to="open"}', increase: 0 },
    ],
  });

  it('shows breaker transitions per dependency for the whole run, not one sum per service', () => {
    const rows = rowsOf(sectionOf(renderHtml(run)));
    expect(rows).toContainEqual(['orders', 'breaker transitions payments → open', '3']);
    expect(rows).toContainEqual(['orders', 'breaker transitions postgres → open', '1']);
    expect(rows.some((r) => r[1] === 'breaker transitions to open')).toBe(false);
  });

  it('gives breaker, shed and rate-limited counts per phase, with – where a phase was not measured', () => {
    const section = sectionOf(renderHtml(run));
    expect(section).toContain('<h3>Breaker, shed and rate-limited per phase</h3>');
    expect(section).toContain('<th>service</th><th>figure</th><th class="num">baseline</th><th class="num">fault</th><th class="num">recovery</th>');
    const perPhase = rowsOf(section.slice(section.indexOf('<h3>')));
    expect(perPhase).toEqual([
      ['gateway', 'shed background', '0', '140', '3'],
      ['gateway', 'rate limited initech', '0', '420', '0'],
      ['orders', 'breaker transitions payments → open', '–', '3', '0'],
      ['orders', 'breaker transitions postgres → open', '–', '1', '0'],
    ]);
  });

  it('says so when a result has no per-phase counters, or none moved', () => {
    expect(textOf(sectionOf(renderHtml(makeRunResult())))).toContain('this result has no per-phase counters');
    expect(textOf(sectionOf(renderHtml(makeRunResult({ phaseCounters: [] }))))).toContain(
      'no service exposed breaker transitions, shed or rate-limited counters',
    );
  });

  it('escapes label values from the services', () => {
    const html = renderHtml(
      makeRunResult({ metricsShown, phaseCounters: [{ phase: 'fault', service: 'gateway', series: `rate_limited_total{tenant="${XSS}"}`, increase: 1 }] }),
    );
    const section = sectionOf(html);
    expect(section).not.toContain('<img');
    expect(textOf(section)).toContain(`rate limited ${XSS}`);
  });
});
