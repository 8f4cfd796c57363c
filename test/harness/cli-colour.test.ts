import { describe, expect, it } from 'vitest';
import { colourEnabled } from '../../harness/cli.ts';

describe('terminal colours', () => {
  it('are on only on a terminal', () => {
    expect(colourEnabled({}, true)).toBe(true);
    expect(colourEnabled({}, false)).toBe(false);
    expect(colourEnabled({}, undefined)).toBe(false);
  });

  it('are off with NO_COLOR set to anything but the empty string, or TERM=dumb', () => {
    expect(colourEnabled({ NO_COLOR: '1' }, true)).toBe(false);
    expect(colourEnabled({ NO_COLOR: 'false' }, true)).toBe(false);
    expect(colourEnabled({ NO_COLOR: '' }, true)).toBe(true);
    expect(colourEnabled({ TERM: 'dumb' }, true)).toBe(false);
  });
});
