// Inline SVG charts of the per-second series (offered vs achieved load; each endpoint's latency
// and outcomes), with the phases shaded and every fault's applied..removed interval and the moment
// it was proven landed drawn over them. Plain SVG, no script: the report must read offline
// and with JavaScript off. Colours are attributes, not classes, so a chart copied out keeps them.

import type { FaultRecord, PhaseName, PhaseWindow, SecondPoint } from '../types.ts';
import { escapeMarkup, formatMs, formatNumber } from './text.ts';

export interface ChartInput {
  endpoint: string;
  /** this endpoint's points, any order */
  points: readonly SecondPoint[];
  phases: readonly PhaseWindow[];
  faults: readonly FaultRecord[];
}

export const SERIES_COLOURS = {
  p50: '#2563eb',
  p99: '#9333ea',
  ok: '#16a34a',
  degraded: '#f59e0b',
  error: '#dc2626',
  offered: '#64748b',
  achieved: '#0891b2',
} as const;
const PHASE_FILL: Record<PhaseName, string> = { baseline: '#f1f5f9', fault: '#fff7ed', recovery: '#f0fdf4' };
const WIDTH = 760;
const HEIGHT = 210;
const LEFT = 56;
const RIGHT = 12;
const BOTTOM = 24;
const MAX_LABEL_ROWS = 4;

interface Frame {
  top: number;
  plotW: number;
  plotH: number;
  endS: number;
  x: (second: number) => number;
  y: (value: number) => number;
  yMax: number;
}

function frameFor(input: ChartInput, yMax: number): Frame {
  const top = 8 + 13 * Math.min(Math.max(input.faults.length, 1), MAX_LABEL_ROWS);
  const ends = [
    ...input.phases.map((p) => p.endMs / 1000),
    ...input.points.map((p) => p.second + 1),
    ...input.faults.map((f) => (f.removedAtMs ?? f.scheduledAtMs + f.scheduledForMs) / 1000),
  ];
  const endS = Math.max(1, ...ends.filter(Number.isFinite));
  const plotW = WIDTH - LEFT - RIGHT;
  const plotH = HEIGHT - top - BOTTOM;
  return {
    top,
    plotW,
    plotH,
    endS,
    yMax,
    x: (s) => LEFT + (Math.min(Math.max(s, 0), endS) / endS) * plotW,
    y: (v) => top + plotH - (Math.min(v, yMax) / yMax) * plotH,
  };
}

/** The smallest 1/2/2.5/5 x 10^n at or above value, so axis labels stay round. */
export function niceCeil(value: number): number {
  if (!(value > 0)) return 1;
  const exp = 10 ** Math.floor(Math.log10(value));
  const f = value / exp;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10) * exp;
}

const r = (n: number): string => String(Math.round(n * 10) / 10);

function background(input: ChartInput, f: Frame): string {
  const out: string[] = [];
  for (const p of input.phases) {
    const x0 = f.x(p.startMs / 1000);
    const w = Math.max(0, f.x(p.endMs / 1000) - x0);
    out.push(
      `<rect class="phase" data-phase="${p.name}" x="${r(x0)}" y="${f.top}" width="${r(w)}" height="${f.plotH}" fill="${PHASE_FILL[p.name]}"><title>${p.name}: ${escapeMarkup(formatMs(p.startMs))} – ${escapeMarkup(formatMs(p.endMs))}</title></rect>`,
    );
  }
  for (const frac of [0, 0.5, 1]) {
    const y = f.y(f.yMax * frac);
    out.push(`<line x1="${LEFT}" x2="${LEFT + f.plotW}" y1="${r(y)}" y2="${r(y)}" stroke="#cbd5e1" stroke-width="0.5"/>`);
    out.push(`<text x="${LEFT - 4}" y="${r(y + 3)}" font-size="10" text-anchor="end" fill="#475569">${formatNumber(f.yMax * frac, 1)}</text>`);
  }
  const step = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600].find((s) => f.endS / s <= 12) ?? 3600;
  for (let s = 0; s <= f.endS; s += step) out.push(`<text x="${r(f.x(s))}" y="${HEIGHT - 8}" font-size="10" text-anchor="middle" fill="#475569">${s}s</text>`);
  return out.join('');
}

/** Phase names go on top of everything, with a white halo, so bars and lines never hide them. */
function phaseLabels(input: ChartInput, f: Frame): string {
  return input.phases
    .filter((p) => f.x(p.endMs / 1000) - f.x(p.startMs / 1000) > 40)
    .map(
      (p) =>
        `<text x="${r(f.x(p.startMs / 1000) + 4)}" y="${f.top + f.plotH - 5}" font-size="10" fill="#475569" stroke="#fff" stroke-width="3" paint-order="stroke">${p.name}</text>`,
    )
    .join('');
}

function faultOverlay(input: ChartInput, f: Frame): string {
  return input.faults
    .map((fault, i) => {
      const startMs = fault.appliedAtMs ?? fault.scheduledAtMs;
      const endMs = fault.removedAtMs ?? (fault.appliedAtMs === null ? fault.scheduledAtMs + fault.scheduledForMs : f.endS * 1000);
      const x0 = f.x(startMs / 1000);
      const w = Math.max(1, f.x(endMs / 1000) - x0);
      const label = `${fault.description}${fault.landed ? '' : ' (did not land)'}`;
      const proven = fault.provenAtMs === undefined ? 'never proven landed' : `proven landed ${formatMs(fault.provenAtMs)}`;
      const when =
        fault.appliedAtMs === null
          ? `scheduled ${formatMs(fault.scheduledAtMs)} for ${formatMs(fault.scheduledForMs)}, never applied`
          : `applied ${formatMs(fault.appliedAtMs)}, ${proven}, removed ${formatMs(fault.removedAtMs)}`;
      const dash = fault.landed ? '' : ' stroke-dasharray="4 3"';
      const labelY = 18 + 13 * (i % MAX_LABEL_ROWS) - 8;
      return (
        `<g class="fault" data-fault="${escapeMarkup(fault.id)}">` +
        `<rect class="fault-interval" x="${r(x0)}" y="${f.top}" width="${r(w)}" height="${f.plotH}" fill="#dc2626" fill-opacity="0.10" stroke="#dc2626" stroke-width="1"${dash}>` +
        `<title>${escapeMarkup(`${label}: ${fault.kind} on ${fault.target}, ${when}`)}</title></rect>` +
        provenMark(fault, f) +
        // a fault late in the run is labelled leftwards from its end, so the label stays inside
        (x0 > LEFT + f.plotW * 0.6
          ? `<text x="${r(Math.min(x0 + w, LEFT + f.plotW) - 2)}" y="${labelY}" font-size="10" fill="#b91c1c" text-anchor="end">${escapeMarkup(label)}</text></g>`
          : `<text x="${r(x0 + 2)}" y="${labelY}" font-size="10" fill="#b91c1c">${escapeMarkup(label)}</text></g>`)
      );
    })
    .join('');
}

/** A dotted line where the fault's proof of landing came back: from there on the fault is real. */
function provenMark(fault: FaultRecord, f: Frame): string {
  if (fault.provenAtMs === undefined) return '';
  const x = r(f.x(fault.provenAtMs / 1000));
  return (
    `<line class="fault-proven" x1="${x}" x2="${x}" y1="${f.top}" y2="${f.top + f.plotH}" stroke="#7f1d1d" stroke-width="1.5" stroke-dasharray="2 2">` +
    `<title>${escapeMarkup(`${fault.description}: proven landed at ${formatMs(fault.provenAtMs)}: ${fault.evidence}`)}</title></line>`
  );
}

function svg(title: string, body: string): string {
  return `<svg class="chart" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="100%" role="img" aria-label="${escapeMarkup(title)}" font-family="system-ui, sans-serif"><title>${escapeMarkup(title)}</title>${body}</svg>`;
}

/** One path for a series of values per second; a second with no value breaks the line. */
function linePath(points: readonly SecondPoint[], value: (p: SecondPoint) => number | null, f: Frame): string {
  const parts: string[] = [];
  let prev: number | null = null;
  for (const p of points) {
    const v = value(p);
    if (v === null) {
      prev = null;
      continue;
    }
    const xy = `${r(f.x(p.second + 0.5))} ${r(f.y(v))}`;
    parts.push(prev !== null && p.second === prev + 1 ? `L${xy}` : `M${xy}h0`);
    prev = p.second;
  }
  return parts.join('');
}

function sorted(points: readonly SecondPoint[]): SecondPoint[] {
  return [...points].sort((a, b) => a.second - b.second);
}

/** p50 and p99 latency per second, in ms. */
export function latencyChart(input: ChartInput): string {
  const points = sorted(input.points);
  const max = Math.max(0, ...points.flatMap((p) => [p.p50Ms ?? 0, p.p99Ms ?? 0]));
  const f = frameFor(input, niceCeil(max));
  const line = (series: 'p50' | 'p99', value: (p: SecondPoint) => number | null) =>
    `<path class="series" data-series="${series}" d="${linePath(points, value, f)}" fill="none" stroke="${SERIES_COLOURS[series]}" stroke-width="1.6" stroke-linejoin="round" stroke-linecap="round"/>`;
  return svg(
    `${input.endpoint}: latency p50 and p99 per second (ms)`,
    background(input, f) + faultOverlay(input, f) + line('p50', (p) => p.p50Ms) + line('p99', (p) => p.p99Ms) + phaseLabels(input, f),
  );
}

/** ok, degraded and error answers per second as stacked bars, one path per outcome. */
export function outcomeChart(input: ChartInput): string {
  const points = sorted(input.points);
  const f = frameFor(input, niceCeil(Math.max(0, ...points.map((p) => p.ok + p.degraded + p.error))));
  const barW = Math.max(0.5, (f.plotW / f.endS) * 0.8);
  const d = { ok: [] as string[], degraded: [] as string[], error: [] as string[] };
  for (const p of points) {
    let base = 0;
    for (const outcome of ['ok', 'degraded', 'error'] as const) {
      const n = p[outcome];
      if (n <= 0) continue;
      const yTop = f.y(base + n);
      const h = f.y(base) - yTop;
      d[outcome].push(`M${r(f.x(p.second + 0.5) - barW / 2)} ${r(yTop)}h${r(barW)}v${r(h)}h${r(-barW)}z`);
      base += n;
    }
  }
  const bars = (['ok', 'degraded', 'error'] as const)
    .map((o) => `<path class="series" data-series="${o}" d="${d[o].join('')}" fill="${SERIES_COLOURS[o]}"/>`)
    .join('');
  return svg(`${input.endpoint}: ok, degraded and error answers per second`, background(input, f) + bars + faultOverlay(input, f) + phaseLabels(input, f));
}

export interface RateChartInput {
  /** every endpoint's points: achieved is their sum per second */
  points: readonly SecondPoint[];
  offeredRatePerSecond: number;
  durationMs: number;
  phases: readonly PhaseWindow[];
  faults: readonly FaultRecord[];
}

/**
 * Offered vs achieved requests per second over all endpoints: the offered rate as a flat dashed
 * line over the load's duration, achieved as the requests k6 actually started in each second
 * (a second with none inside the duration counts as zero). A gap is load the system never got.
 */
export function rateChart(input: RateChartInput): string {
  // a request k6 starts a moment after the last whole second would draw a false drop to zero
  const lastSecond = Math.ceil(input.durationMs / 1000);
  const perSecond = new Map<number, number>();
  for (const p of input.points) if (p.second < lastSecond) perSecond.set(p.second, (perSecond.get(p.second) ?? 0) + p.ok + p.degraded + p.error);
  const totals: SecondPoint[] = Array.from({ length: lastSecond }, (_, second) => ({
    second,
    endpoint: 'all',
    ok: perSecond.get(second) ?? 0,
    degraded: 0,
    error: 0,
    p50Ms: null,
    p99Ms: null,
  }));
  const max = Math.max(input.offeredRatePerSecond, ...totals.map((p) => p.ok));
  const f = frameFor({ endpoint: 'all', points: totals, phases: input.phases, faults: input.faults }, niceCeil(max * 1.15));
  const y = r(f.y(input.offeredRatePerSecond));
  const offered = `<path class="series" data-series="offered" d="M${r(f.x(0))} ${y}H${r(f.x(input.durationMs / 1000))}" fill="none" stroke="${SERIES_COLOURS.offered}" stroke-width="1.6" stroke-dasharray="6 4"/>`;
  const achieved = `<path class="series" data-series="achieved" d="${linePath(totals, (p) => p.ok, f)}" fill="none" stroke="${SERIES_COLOURS.achieved}" stroke-width="1.6" stroke-linejoin="round"/>`;
  const chartInput = { endpoint: 'all', points: totals, phases: input.phases, faults: input.faults };
  return svg(
    'offered vs achieved requests per second, all endpoints',
    background(chartInput, f) + faultOverlay(chartInput, f) + offered + achieved + phaseLabels(chartInput, f),
  );
}
