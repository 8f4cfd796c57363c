import { describe, expect, it } from 'vitest';
import { parseK6Line, parseK6Time } from '../../harness/load/ingest.ts';

const point = (metric: string, value: number, tags: Record<string, string>, time = '2026-11-23T08:34:51.922628106Z'): string =>
  JSON.stringify({ metric, type: 'Point', data: { time, value, tags } });

describe('k6 NDJSON ingest', () => {
  it('keeps sub-millisecond precision of k6 timestamps', () => {
    expect(parseK6Time('2026-11-23T08:34:51.922628106Z')).toBeCloseTo(Date.parse('2026-11-23T08:34:51.922Z') + 0.628106, 5);
    expect(parseK6Time('2026-11-23T10:34:51.5+02:00')).toBe(Date.parse('2026-11-23T08:34:51.500Z'));
  });

  it('turns an fl_req point into a request with its outcome', () => {
    const e = parseK6Line(
      point('fl_req', 12.5, { endpoint: 'GET /products/:id', tenant: 'acme', outcome: 'degraded', status: '200', degraded: 'stale-cache' }),
    );
    expect(e).toEqual({
      type: 'request',
      endEpochMs: parseK6Time('2026-11-23T08:34:51.922628106Z'),
      latencyMs: 12.5,
      endpoint: 'GET /products/:id',
      tenant: 'acme',
      outcome: 'degraded',
      status: 200,
      degradedReason: 'stale-cache',
    });
  });

  it('reads the load start and dropped iterations', () => {
    expect(parseK6Line(point('fl_started', 1, {}))?.type).toBe('started');
    expect(parseK6Line(point('dropped_iterations', 3, {}))).toMatchObject({ type: 'dropped', count: 3 });
  });

  it('reads an acknowledgement: the endpoint that created, its idempotency key and the created id', () => {
    expect(parseK6Line(point('fl_ack', 1, { endpoint: 'POST /orders', key: 'k6-7-abc-3-12', order: '41' }))).toMatchObject({
      type: 'ack',
      endpoint: 'POST /orders',
      key: 'k6-7-abc-3-12',
      id: '41',
    });
    expect(parseK6Line(point('fl_ack', 1, { endpoint: 'POST /orders', key: 'k6-7-abc-3-13', order: '' }))).toMatchObject({
      type: 'ack',
      key: 'k6-7-abc-3-13',
      id: '',
    });
    // an endpoint that creates without an idempotency key; ids need not be numbers
    expect(parseK6Line(point('fl_ack', 1, { endpoint: 'POST /notes', order: 'n-9' }))).toMatchObject({
      type: 'ack',
      endpoint: 'POST /notes',
      key: '',
      id: 'n-9',
    });
    expect(parseK6Line(point('fl_ack', 1, { key: 'k6-7-abc-3-14', order: '41' }))).toBeNull();
  });

  it('ignores built-in metrics, metric declarations, unknown outcomes and broken lines', () => {
    expect(parseK6Line(point('http_req_duration', 5, {}))).toBeNull();
    expect(parseK6Line(JSON.stringify({ type: 'Metric', data: { name: 'fl_req' }, metric: 'fl_req' }))).toBeNull();
    expect(parseK6Line(point('fl_req', 5, { endpoint: 'GET /products', outcome: 'maybe' }))).toBeNull();
    expect(parseK6Line('{"type":"Point","metric":"fl_req", trunc')).toBeNull();
  });
});
