// Durations as scenarios write them ('250ms', '20s', '2m', '1m30s') and back.

const PART = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Parses '20s', '1m30s', '250ms'; returns null when the text is not a duration. */
export function parseDurationMs(text: string): number | null {
  if (typeof text !== 'string' || text.length === 0) return null;
  PART.lastIndex = 0;
  let total = 0;
  let consumed = 0;
  for (let m = PART.exec(text); m !== null; m = PART.exec(text)) {
    total += Number(m[1]) * (UNIT_MS[m[2] as string] ?? NaN);
    consumed = PART.lastIndex;
  }
  if (consumed !== text.length || !Number.isFinite(total)) return null;
  return Math.round(total);
}

export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes}m${Math.round((ms % 60_000) / 1000)}s`;
}
