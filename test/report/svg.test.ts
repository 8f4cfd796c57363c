import { describe, expect, it } from 'vitest';
import { latencyChart, niceCeil, outcomeChart } from '../../harness/report/svg.ts';
import { renderHtml } from '../../harness/report/html.ts';
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

  it('puts both charts of every endpoint into the report, with no script needed', () => {
    const html = renderHtml(makeRunResult({ series: [...makeSeries(), ...makeSeries('POST /orders')] }));
    expect(html.match(/<svg /g)).toHaveLength(4);
    expect(html.match(/<rect class="fault-interval"/g)).toHaveLength(4);
  });

  it('rounds axis maxima up to 1, 2, 2.5 or 5 times a power of ten', () => {
    expect([0, 0.3, 7, 13, 24, 420, 501].map(niceCeil)).toEqual([1, 0.5, 10, 20, 25, 500, 1000]);
  });
});
