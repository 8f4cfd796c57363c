import { describe, expect, it } from 'vitest';
import { parseDurationMs } from '../../harness/duration.ts';

describe('parseDurationMs', () => {
  it('reads single and compound durations', () => {
    expect(parseDurationMs('250ms')).toBe(250);
    expect(parseDurationMs('20s')).toBe(20_000);
    expect(parseDurationMs('1m30s')).toBe(90_000);
    expect(parseDurationMs('1.5s')).toBe(1500);
  });
  it('rejects text that is not a duration', () => {
    for (const bad of ['', '20', 's', '20 s', '-5s', '20sec', '1m30']) expect(parseDurationMs(bad)).toBeNull();
  });
});
