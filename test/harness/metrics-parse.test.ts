import { describe, expect, it } from 'vitest';
import { keptSeries, parsePrometheus } from '../../harness/observe/metrics.ts';
import type { System } from '../../harness/system/system.ts';

const keep = keptSeries({ metrics: { keep: ['calls_total', 'breaker_state'] } } as unknown as System) as RegExp;
const text = [
  '# HELP calls_total Calls, by dependency',
  '# TYPE calls_total counter',
  'calls_total{dependency="postgres",outcome="ok"} 41',
  'calls_total{dependency="redis",outcome="error"} 2.5e+1',
  'calls_total_created{dependency="postgres"} 1700000000',
  'breaker_state 1',
  'breaker_state_open 3',
  'process_cpu_seconds_total 0.7',
  'calls_total{dependency="x"} NaN',
  'calls_total{dependency="y"} +Inf',
  'breaker_state{dependency="postgres"} 2',
].join('\n');

describe('parsePrometheus', () => {
  it('keeps the kept families only, whole names only, with finite values', () => {
    expect(parsePrometheus(text, keep)).toEqual({
      'calls_total{dependency="postgres",outcome="ok"}': 41,
      'calls_total{dependency="redis",outcome="error"}': 25,
      breaker_state: 1,
      'breaker_state{dependency="postgres"}': 2,
    });
  });

  it('reads a last line with or without its newline, and no text at all', () => {
    expect(parsePrometheus('breaker_state 4\n', keep)).toEqual({ breaker_state: 4 });
    expect(parsePrometheus('process_up 1\nbreaker_state 4', keep)).toEqual({ breaker_state: 4 });
    expect(parsePrometheus('', keep)).toEqual({});
  });

  it('gives the same answer on a second parse with the same matcher', () => {
    expect(parsePrometheus(text, keep)).toEqual(parsePrometheus(text, keep));
  });
});
