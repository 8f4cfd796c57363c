import { describe, expect, it } from 'vitest';
import { cleanText, escapeMarkup, escapeXmlAttribute, formatMs, formatNumber, formatShare, jsonForScript, withUnit } from '../../harness/report/text.ts';

describe('report text', () => {
  it('strips ANSI colour codes and characters XML cannot hold', () => {
    expect(cleanText('\x1b[1;31mFAIL\x1b[0m ok\x00\x07\x1b\uFFFE \uD800x')).toBe('FAIL ok x');
  });

  it('escapes the five markup characters, and line breaks in attributes', () => {
    expect(escapeMarkup(`<a href="x">&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;');
    expect(escapeXmlAttribute('a\nb\tc')).toBe('a&#10;b&#9;c');
  });

  it('writes JSON a script element cannot be closed by, that still parses to the same value', () => {
    const value = { s: '</script><!-- & \u2028' };
    const text = jsonForScript(value);
    expect(text).not.toMatch(/[<>&\u2028]/);
    expect(JSON.parse(text)).toEqual(value);
  });

  it('formats numbers, durations and shares, with a dash for missing figures', () => {
    expect([formatNumber(0.971), formatNumber(1 / 3), formatNumber(null), formatNumber(Number.NaN)]).toEqual(['0.971', '0.3333', '–', '–']);
    expect([withUnit(420, 'ms'), withUnit(null, 'ms'), withUnit(3, '')]).toEqual(['420 ms', '–', '3']);
    expect([formatMs(12.34), formatMs(41_500), formatMs(125_000), formatMs(null)]).toEqual(['12.3 ms', '41.5 s', '2 min 5 s', '–']);
    expect([formatShare(0.98), formatShare(null)]).toEqual(['98.00%', '–']);
  });
});
