// The look shared by every faultline page (a run's report, a suite's index) and the page shell
// with its Content-Security-Policy: no script runs and nothing is fetched, only inline styles and
// data: images are allowed, so a report opened from disk or an artifact is safe and offline.

import { escapeMarkup as e } from './text.ts';

export const STYLE = `
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
span.marginal{color:var(--inconclusive);font-weight:400;text-transform:none}tr.fail td{background:#fef2f2}tr.inconclusive td{background:#fffbeb}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(420px,1fr));gap:.5rem 1rem}
.charts.one{grid-template-columns:repeat(auto-fill,minmax(420px,1fr))}
figure{margin:0}figcaption{font-size:.8rem;color:var(--muted)}
.key{display:inline-block;width:.8em;height:.8em;border-radius:2px;margin:0 .25em 0 .6em;vertical-align:-.05em}
pre{background:#0f172a;color:#e2e8f0;padding:.7rem 1rem;border-radius:6px;overflow-x:auto}
pre code{user-select:all;-webkit-user-select:all}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem;font-size:.9rem}dt{color:var(--muted)}dd{margin:0}
.empty{color:var(--muted);font-style:italic}
table.log{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.75rem}
table.log td{padding:.15rem .4rem;white-space:pre-wrap;word-break:break-word}
table.log td.num,table.log td.nowrap{white-space:nowrap}
table.log tr.after td{background:#fef2f2}
table.log tr.marker td{background:#b91c1c;color:#fff;font-weight:700}
.level-warn{color:#b45309;font-weight:600}.level-error,.level-fatal{color:#b91c1c;font-weight:700}
.repeats{color:var(--muted)}
a{color:#1d4ed8}
td.cell{text-align:center;font-variant-numeric:tabular-nums;white-space:nowrap}td.hold{background:#dcfce7}td.breach{background:#fecaca;font-weight:700}td.allowed{background:#fef3c7}td.none{background:#f1f5f9;color:var(--muted)}
`;

const CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

/** A complete, self-contained HTML document around `body`. */
export function page(title: string, body: string[]): string {
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${CSP}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${e(title)}</title>`,
    `<style>${STYLE}</style></head><body>`,
    ...body,
    '</body></html>',
    '',
  ].join('\n');
}
