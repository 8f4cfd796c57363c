import { describe, expect, it } from 'vitest';
import { isEnabled, PATTERN_NAMES, PATTERNS, parseDisabled } from '../../sample-system/resilience/patterns.ts';

describe('patterns', () => {
  it('lists exactly the patterns the code implements, each with a description', () => {
    expect(PATTERN_NAMES).toEqual([
      'timeout',
      'retry',
      'retry-budget',
      'breaker',
      'fallback',
      'deadline',
      'single-flight',
      'outlier-ejection',
      'bulkhead',
      'load-shedding',
      'rate-limit',
      'quarantine',
      'idempotency',
    ]);
    for (const name of PATTERN_NAMES) expect(PATTERNS[name].length).toBeGreaterThan(10);
  });

  it('parses a comma list, ignoring blanks and spaces', () => {
    expect([...parseDisabled(' breaker, fallback,,')]).toEqual(['breaker', 'fallback']);
    expect(parseDisabled(undefined).size).toBe(0);
    expect(parseDisabled('').size).toBe(0);
  });

  it('refuses an unknown name, naming it and the allowed names', () => {
    expect(() => parseDisabled('breaker,brakes')).toThrow(`RESILIENCE_DISABLE: "brakes" is not a pattern; patterns are: ${PATTERN_NAMES.join(', ')}`);
  });

  it('does not take inherited object keys for pattern names', () => {
    expect(() => parseDisabled('toString')).toThrow(/"toString" is not a pattern/);
  });

  it('tells whether a pattern is on', () => {
    const disabled = parseDisabled('retry');
    expect(isEnabled('retry', disabled)).toBe(false);
    expect(isEnabled('breaker', disabled)).toBe(true);
  });
});
