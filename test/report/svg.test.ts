import { describe, expect, it } from 'vitest';
import { renderHtml } from '../../harness/report/html.ts';
import { latencyChart, niceCeil, outcomeChart, rateChart } from '../../harness/report/svg.ts';
import { ENDPOINT, makeFault, makeRunResult, makeSeries } from './fixture.ts';

const run = makeRunResult();
const input = { endpoint: ENDPOINT, points: makeSeries(), phases: run.phases, faults: run.faults };
const pathOf = (svg: string, series: string) => new RegExp(`<path class="series" data-series="${series}" d="([^"]*)"`).exec(svg)?.[1];
const attrOf = (tag: string, name: string) => Number(new RegExp(` ${name}="([^"]*)"`).exec(tag)?.[1]);

describe('charts', () => {
  it('draws one path per latency series, p50 and p99', () => {
    const svg = latencyChart(input);
    expect(svg.match(/<path class="series"/g)).toHaveLength(2);
    expect(pathOf(svg, 'p50')).toMatch(/^M[\d.]+ [\d.]+h0(L[\d.]+ [\d.]+){29}$/);
    expect(pathOf(svg, 'p99')).toMatch(/^M/);
  });

  it('draws one path per outcome, ok, degraded and error, as stacked bars', () => {
    const svg = outcomeChart(input);
    for (const series of ['ok', 'degraded', 'error']) expect(pathOf(svg, series)).toMatch(/^M/);
    expect(pathOf(svg, 'ok')?.match(/z/g)).toHaveLength(30);
    expect(pathOf(svg, 'degraded')?.match(/z/g)).toHaveLength(10);
  });

  it('shades the three phases and draws the fault interval from applied to removed, labelled', () => {
    for (const svg of [latencyChart(input), outcomeChart(input)]) {
      expect(svg.match(/<rect class="phase"/g)).toHaveLength(3);
      const rect = /<rect class="fault-interval"[^>]*>/.exec(svg)?.[0] ?? '';
      const baseline = /<rect class="phase" data-phase="baseline"[^>]*>/.exec(svg)?.[0] ?? '';
      // the fault starts where it was applied, which is where baseline ends
      expect(attrOf(rect, 'x')).toBeCloseTo(attrOf(baseline, 'x') + attrOf(baseline, 'width'), 0);
      const recovery = /<rect class="phase" data-phase="recovery"[^>]*>/.exec(svg)?.[0] ?? '';
      expect(attrOf(rect, 'x') + attrOf(rect, 'width')).toBeCloseTo(attrOf(recovery, 'x'), 0);
      expect(svg).toContain('>catalog-&gt;postgres +400 ms</text>');
    }
  });

  it('draws a fault that never landed over its schedule, dashed and said so', () => {
    const svg = latencyChart({ ...input, faults: [makeFault({ appliedAtMs: null, removedAtMs: null, landed: false })] });
    expect(svg).toMatch(/<rect class="fault-interval"[^>]*stroke-dasharray/);
    expect(svg).toContain('(did not land)');
  });

  it('breaks the latency line over seconds without samples', () => {
    const points = makeSeries().filter((p) => p.second !== 5);
    points[20] = { ...points[20]!, p50Ms: null };
    expect(pathOf(latencyChart({ ...input, points }), 'p50')?.match(/M/g)).toHaveLength(3);
  });

  it('puts the load chart and both charts of every endpoint into the report, with no script needed', () => {
    const html = renderHtml(makeRunResult({ series: [...makeSeries(), ...makeSeries('POST /orders')] }));
    expect(html.match(/<svg /g)).toHaveLength(5);
    expect(html.match(/<rect class="fault-interval"/g)).toHaveLength(5);
  });

  it('rounds axis maxima up to 1, 2, 2.5 or 5 times a power of ten', () => {
    expect([0, 0.3, 7, 13, 24, 420, 501].map(niceCeil)).toEqual([1, 0.5, 10, 20, 25, 500, 1000]);
  });

  it('marks the moment each fault was proven landed with a dotted line, and none for a fault never proven', () => {
    const svg = latencyChart(input);
    const mark = /<line class="fault-proven"[^>]*>/.exec(svg)?.[0] ?? '';
    const rect = /<rect class="fault-interval"[^>]*>/.exec(svg)?.[0] ?? '';
    expect(mark).toContain('stroke-dasharray');
    // proven 460 ms after it was applied: just right of the interval's start
    expect(attrOf(mark, 'x1')).toBeGreaterThan(attrOf(rect, 'x'));
    expect(attrOf(mark, 'x1')).toBeLessThan(attrOf(rect, 'x') + attrOf(rect, 'width') / 10);
    expect(svg).toContain('proven landed at 10.5 s: probe query took 402 ms');
    expect(latencyChart({ ...input, faults: [makeFault({ provenAtMs: undefined, landed: false })] })).not.toContain('fault-proven');
  });

  it('draws the offered rate flat over the duration and the achieved rate summed over endpoints, zero where nothing started', () => {
    const points = [...makeSeries(), ...makeSeries('POST /orders')].filter((p) => p.second !== 7);
    const svg = rateChart({ points, offeredRatePerSecond: 100, durationMs: 30_000, phases: run.phases, faults: run.faults });
    expect(pathOf(svg, 'offered')).toMatch(/^M[\d.]+ [\d.]+H[\d.]+$/);
    const achieved = pathOf(svg, 'achieved') ?? '';
    // one unbroken line over all 30 seconds, second 7 drawn at zero rather than skipped
    expect(achieved).toMatch(/^M[\d.]+ [\d.]+h0(L[\d.]+ [\d.]+){29}$/);
    const ys = [...achieved.matchAll(/[ML][\d.]+ ([\d.]+)/g)].map((m) => Number(m[1]));
    const offeredY = Number(/^M[\d.]+ ([\d.]+)/.exec(pathOf(svg, 'offered') ?? '')?.[1]);
    expect(ys[0]).toBeCloseTo(offeredY, 0); // 50 + 50 achieved = 100 offered
    expect(ys[7]).toBeGreaterThan(ys[0]!); // zero sits lower on the chart
  });

  it('ignores requests started after the load ended, so the achieved line does not drop to zero at the end', () => {
    const points = [...makeSeries(), { second: 30, endpoint: ENDPOINT, ok: 1, degraded: 0, error: 0, p50Ms: 4, p99Ms: 4 }];
    const achieved = pathOf(rateChart({ points, offeredRatePerSecond: 50, durationMs: 30_000, phases: run.phases, faults: [] }), 'achieved') ?? '';
    expect(achieved.match(/L/g)).toHaveLength(29);
  });
});
