import { describe, expect, it } from 'vitest';
import { executionSegments, hasFaultlineOutput } from '../../harness/load/k6.ts';
import { LineSplitter, parseStreamLine } from '../../harness/load/stream.ts';

describe("faultline's load stream", () => {
  it('turns a request line into a request with its outcome, tags and flags', () => {
    expect(parseStreamLine('R\t1700000000123.456\t12.500\t200\tdegraded\tGET /products/:id\tacme\tcritical\tload\t0\tstale-cache')).toEqual({
      type: 'request',
      endEpochMs: 1700000000123.456,
      latencyMs: 12.5,
      endpoint: 'GET /products/:id',
      tenant: 'acme',
      outcome: 'degraded',
      status: 200,
      degradedReason: 'stale-cache',
      priority: 'critical',
    });
  });

  it("keeps a fault's source and Retry-After, and leaves optional fields out when empty", () => {
    expect(parseStreamLine('R\t1.5\t3.000\t429\terror\tPOST /orders\tnoisy\t\tf1-noisy\t1\t')).toEqual({
      type: 'request',
      endEpochMs: 1.5,
      latencyMs: 3,
      endpoint: 'POST /orders',
      tenant: 'noisy',
      outcome: 'error',
      status: 429,
      source: 'f1-noisy',
      retryAfter: true,
    });
  });

  it('reads start, ack, dropped, heartbeat, hello and end lines', () => {
    expect(parseStreamLine('S\t1700000000000.250')).toEqual({ type: 'started', epochMs: 1700000000000.25 });
    expect(parseStreamLine('A\t5.000\tPOST /orders\tk6-1\t42')).toEqual({ type: 'ack', epochMs: 5, endpoint: 'POST /orders', key: 'k6-1', id: '42' });
    expect(parseStreamLine('D\t5.000\t3\tfault_0')).toEqual({ type: 'dropped', epochMs: 5, count: 3, scenario: 'fault_0' });
    expect(parseStreamLine('B\t9.000')).toEqual({ type: 'heartbeat', epochMs: 9 });
    expect(parseStreamLine('H\t1\tabc\t0\t0:1/2')).toEqual({ type: 'hello', version: '1', token: 'abc', runner: '0', segment: '0:1/2' });
    expect(parseStreamLine('E\t4200')).toEqual({ type: 'end', requests: 4200 });
  });

  it('refuses lines that are not the stream', () => {
    for (const line of [
      '',
      '{"metric":"fl_req"}',
      'R\t1\t2\t200\tweird\tGET /\tt\t\tload\t0\t',
      'R\tx\t2\t200\tok\tGET /\tt\t\tload\t0\t',
      'S\t',
      'E\tmany',
      'A\t1\t\tk\t1',
    ])
      expect(parseStreamLine(line), line).toBeNull();
  });

  it('cuts chunks into whole lines whatever the boundaries, multi-byte characters included', () => {
    const lines: string[] = [];
    const split = new LineSplitter((l) => lines.push(l));
    const bytes = Buffer.from('S\t1\nA\t2\tPOST /ö\tk\t1\nB\t3\nR\t4');
    for (let i = 0; i < bytes.length; i += 3) split.push(bytes.subarray(i, i + 3));
    expect(lines).toEqual(['S\t1', 'A\t2\tPOST /ö\tk\t1', 'B\t3']);
    expect(split.pending).toBe('R\t4');
  });
});

describe('k6 runners', () => {
  it('gives n runners the n equal execution segments of one sequence', () => {
    expect(executionSegments(1)).toEqual({ sequence: '0,1', segments: ['0:1'] });
    expect(executionSegments(3)).toEqual({ sequence: '0,1/3,2/3,1', segments: ['0:1/3', '1/3:2/3', '2/3:1'] });
    expect(() => executionSegments(0)).toThrow(/runners/);
  });

  it('tells a k6 with faultline’s output from one without, by `k6 version`', () => {
    // both texts as k6 v1.8.1 built by xk6 prints them
    expect(hasFaultlineOutput('k6 v1.8.1 (go1.26.8, linux/amd64)\nExtensions:\n  github.com/faultline/xk6-faultline (devel), faultline [output]')).toBe(true);
    expect(hasFaultlineOutput('k6 v1.8.1 (go1.26.8, linux/amd64)')).toBe(false);
    expect(hasFaultlineOutput('k6 v1.8.1 (go1.26.8, linux/amd64)\nExtensions:\n  github.com/grafana/xk6-output-x v0.1.0, faultline-ish [output]')).toBe(false);
  });
});
