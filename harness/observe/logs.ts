// The services' log lines in a time window, as a short readable excerpt. The run folder's logs/
// hold what every process wrote: pino JSON lines (numeric `time`, `msg`), Toxiproxy's JSON lines
// (ISO `time`, `message`) and plain text. Only lines with a timestamp can be placed on the load
// clock; the rest are left out. Lines with the same source, level and message are folded into
// their first occurrence with a count, so one excerpt shows every distinct thing that happened.

import { createReadStream } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Breach, LogLine } from '../types.ts';
import type { FirstBreach } from '../verdict/breach.ts';

export interface LogEntry {
  epochMs: number;
  source: string;
  level: string;
  message: string;
  /** the other fields as `key=value`, space separated */
  fields: string;
}

export interface LogWindow {
  /** epoch ms of load start: turns log times into the load clock */
  loadStartEpochMs: number;
  /** load clock, end exclusive */
  fromMs: number;
  toMs: number;
  /** where the excerpt centres: lines nearest it are kept when there are too many */
  focusMs: number;
}

export const MAX_EXCERPT_LINES = 40;
const MAX_TEXT_CHARS = 300;
const PINO_LEVELS: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };
const LEVEL_RANK: Record<string, number> = { trace: 0, debug: 1, info: 2, warn: 3, warning: 3, error: 4, fatal: 5, panic: 5 };
// fields every line of a process repeats: they say nothing about the moment
const QUIET_FIELDS = new Set(['time', 'level', 'msg', 'message', 'service', 'replica', 'pid', 'hostname', 'caller', 'v']);

function fieldText(value: unknown): string {
  if (typeof value === 'string') return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  return JSON.stringify(value) ?? String(value);
}

/** One log line as an entry, or null when it is not a JSON object with a usable time. */
export function parseLogLine(raw: string, file: string): LogEntry | null {
  if (!raw.startsWith('{')) return null;
  let o: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(raw);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return null;
    o = parsed as Record<string, unknown>;
  } catch {
    return null;
  }
  const epochMs = typeof o.time === 'number' ? o.time : typeof o.time === 'string' ? Date.parse(o.time) : Number.NaN;
  if (!Number.isFinite(epochMs)) return null;
  const level = typeof o.level === 'number' ? (PINO_LEVELS[o.level] ?? String(o.level)) : typeof o.level === 'string' ? o.level.toLowerCase() : 'info';
  const message = typeof o.msg === 'string' ? o.msg : typeof o.message === 'string' ? o.message : '';
  const name = basename(file, '.log');
  const source = typeof o.replica === 'string' ? o.replica : typeof o.service === 'string' ? o.service : name;
  const fields = Object.entries(o)
    .filter(([k]) => !QUIET_FIELDS.has(k))
    .map(([k, v]) => `${k}=${fieldText(v)}`)
    .join(' ');
  return { epochMs, source, level, message, fields };
}

const clip = (text: string): string => (text.length > MAX_TEXT_CHARS ? `${text.slice(0, MAX_TEXT_CHARS - 1)}…` : text);

/** The entries inside the window, folded and trimmed to at most `max` lines, in time order. */
export function excerpt(entries: readonly LogEntry[], window: LogWindow, max = MAX_EXCERPT_LINES): { lines: LogLine[]; omitted: number } {
  const inside = entries
    .map((e) => ({ ...e, tMs: Math.round(e.epochMs - window.loadStartEpochMs) }))
    .filter((e) => e.tMs >= window.fromMs && e.tMs < window.toMs)
    .sort((a, b) => a.tMs - b.tMs);
  const groups = new Map<string, LogLine>();
  for (const e of inside) {
    const key = `${e.source}\u0000${e.level}\u0000${e.message}`;
    const seen = groups.get(key);
    if (seen !== undefined) {
      seen.repeats++;
      seen.lastTMs = e.tMs;
    } else
      groups.set(key, {
        tMs: e.tMs,
        source: e.source,
        level: e.level,
        text: clip([e.message, e.fields].filter(Boolean).join(' ')),
        repeats: 0,
        lastTMs: e.tMs,
      });
  }
  const rank = (l: LogLine): number => LEVEL_RANK[l.level] ?? 2;
  // more distinct lines than fit: the most severe first, then those nearest the focus
  const kept = [...groups.values()].sort((a, b) => rank(b) - rank(a) || Math.abs(a.tMs - window.focusMs) - Math.abs(b.tMs - window.focusMs)).slice(0, max);
  const lines = kept.sort((a, b) => a.tMs - b.tMs);
  return { lines, omitted: inside.length - lines.reduce((n, l) => n + 1 + l.repeats, 0) };
}

/** The entries of one file inside the window; streamed, so a long run's logs are never all in memory. */
async function entriesOf(path: string, window: LogWindow): Promise<LogEntry[]> {
  const out: LogEntry[] = [];
  const lines = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
  for await (const raw of lines) {
    const entry = parseLogLine(raw, path);
    const tMs = entry === null ? Number.NaN : entry.epochMs - window.loadStartEpochMs;
    if (entry !== null && tMs >= window.fromMs && tMs < window.toMs) out.push(entry);
  }
  return out;
}

/** Reads every `*.log` in `${runDir}/logs` and returns the excerpt of `window`. */
export async function readLogExcerpt(runDir: string, window: LogWindow): Promise<{ lines: LogLine[]; omitted: number; files: string[] }> {
  const dir = join(runDir, 'logs');
  const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => n.endsWith('.log')).sort();
  const entries: LogEntry[] = [];
  for (const name of names) entries.push(...(await entriesOf(join(dir, name), window).catch(() => [])));
  return { ...excerpt(entries, window), files: names.map((n) => `logs/${n}`) };
}

/** Seconds of log shown before and after the first breach second starts. */
const BEFORE_MS = 3000;
const AFTER_MS = 2000;

/** The first breach of a failed run with the log lines from 3 s before to 2 s after it began. */
export async function breachWithLogs(runDir: string, first: FirstBreach, loadStartEpochMs: number): Promise<Breach> {
  const focusMs = first.second * 1000;
  const fromMs = Math.max(0, focusMs - BEFORE_MS);
  const toMs = focusMs + AFTER_MS;
  const { lines, omitted, files } = await readLogExcerpt(runDir, { loadStartEpochMs, fromMs, toMs, focusMs });
  const { check } = first;
  return {
    second: first.second,
    checkId: check.id,
    checkName: check.name,
    ...(check.phase ? { phase: check.phase } : {}),
    ...(check.endpoint ? { endpoint: check.endpoint } : {}),
    why: first.why,
    fromMs,
    toMs,
    lines,
    omitted,
    files,
  };
}
