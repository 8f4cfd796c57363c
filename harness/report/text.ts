// Text that reaches a report came from scenarios, processes and the network: it may hold markup,
// terminal colours or control characters. Every renderer passes it through here, once, at the
// point where it is written into markup.

// CSI sequences (colours, cursor moves) as chalk, pino-pretty and k6 print them
// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-?]*[ -/]*[@-~]/g;
// XML 1.0 allows only tab, LF, CR and these ranges; anything else (other C0 controls, a stray ESC,
// lone surrogates, U+FFFE/U+FFFF) makes junit.xml unparseable and is noise in HTML too
const NOT_XML_CHAR = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

export const DASH = '–';

/** Drops terminal escape codes and characters XML cannot hold. */
export function cleanText(text: string): string {
  return text.replace(ANSI, '').replace(NOT_XML_CHAR, '');
}

/** Escapes text for HTML/XML element content and quoted attribute values. */
export function escapeMarkup(text: string): string {
  return cleanText(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** Escapes text for an XML attribute, keeping line breaks (a parser would fold them to spaces). */
export function escapeXmlAttribute(text: string): string {
  return escapeMarkup(text).replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;');
}

/**
 * JSON that can sit inside a <script> element: `<`, `>` and `&` become \u escapes (still valid
 * JSON, since they can only occur inside strings), so `</script>` or `<!--` cannot end the block.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** A number as a person reads it: at most `digits` decimals, no trailing zeros; null is a dash. */
export function formatNumber(value: number | null | undefined, digits = 4): string {
  if (value === null || value === undefined || Number.isNaN(value)) return DASH;
  if (!Number.isFinite(value)) return value > 0 ? '∞' : '-∞';
  return String(Number(value.toFixed(digits)));
}

/** A number followed by its unit, or a dash. */
export function withUnit(value: number | null | undefined, unit: string): string {
  const n = formatNumber(value);
  return n === DASH || unit === '' ? n : `${n} ${unit}`;
}

/** Milliseconds in the unit that reads best: 12.3 ms, 4.2 s, 2 min 5 s. */
export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return DASH;
  const abs = Math.abs(ms);
  if (abs < 1000) return `${formatNumber(ms, 1)} ms`;
  if (abs < 120_000) return `${formatNumber(ms / 1000, 1)} s`;
  const minutes = Math.trunc(ms / 60_000);
  return `${minutes} min ${Math.round(Math.abs(ms % 60_000) / 1000)} s`;
}

/** A 0..1 share as a percentage with two decimals, or a dash. */
export function formatShare(share: number | null | undefined): string {
  if (share === null || share === undefined || !Number.isFinite(share)) return DASH;
  return `${(share * 100).toFixed(2)}%`;
}

/** A check's interval as a person reads it ("[0.9691, 0.9913] at 95%"), or a dash. */
export function intervalText(interval: { low: number; high: number; confidence: number } | undefined, unit = ''): string {
  if (interval === undefined) return DASH;
  const digits = unit === 'ms' ? 1 : unit === 'ratio' || unit.startsWith('share') ? 4 : 3;
  return `[${formatNumber(interval.low, digits)}, ${formatNumber(interval.high, digits)}] at ${formatNumber(interval.confidence * 100, 2)}%`;
}

/** What every output says next to a check whose interval straddles its objective. */
export const MARGINAL_TEXT = 'marginal: a repeat could flip this';
