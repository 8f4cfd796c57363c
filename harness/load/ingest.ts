// Turns k6's NDJSON output, line by line, into events the run understands. Pure: no I/O.
// Only four metrics matter: fl_started (the load clock's zero), fl_req (one point per request,
// emitted when the response arrived, value = client-seen latency), fl_ack (one per 2xx of an
// endpoint that creates something: the endpoint, its idempotency key and the id) and dropped_iterations.

import type { Outcome } from '../types.ts';

export type LoadEvent =
  | { type: 'started'; epochMs: number }
  | {
      type: 'request';
      endEpochMs: number;
      latencyMs: number;
      endpoint: string;
      tenant: string;
      outcome: Outcome;
      status: number;
      degradedReason?: string;
      /** a load-shaped fault's id for its own traffic; absent: the base load */
      source?: string;
      priority?: string;
      retryAfter?: boolean;
    }
  /** `scenario`: the k6 scenario that could not start them (`main`, or a fault's `fault_<i>`) */
  | { type: 'dropped'; epochMs: number; count: number; scenario: string }
  /** a 2xx of an endpoint that creates: its key ('' without one) and the id from Location ('' when none) */
  | { type: 'ack'; epochMs: number; endpoint: string; key: string; id: string };

const OUTCOMES = new Set(['ok', 'degraded', 'error']);

/** k6 writes RFC 3339 times with nanoseconds; Date.parse wants at most milliseconds. */
export function parseK6Time(text: string): number {
  const m = /^(.*T\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)$/.exec(text);
  if (m === null) return NaN;
  const fraction = (m[2] ?? '.000').slice(1).padEnd(9, '0');
  const base = Date.parse(`${m[1]}${m[3]}`);
  return base + Number(fraction) / 1e6;
}

interface K6Point {
  type?: string;
  metric?: string;
  data?: { time?: string; value?: number; tags?: Record<string, string> };
}

/** Returns the event a line carries, or null for lines the harness does not use. */
export function parseK6Line(line: string): LoadEvent | null {
  // cheap filter first: most lines are built-in metrics we do not read
  if (!line.includes('"Point"') || !(line.includes('"fl_') || line.includes('"dropped_iterations"'))) return null;
  let point: K6Point;
  try {
    point = JSON.parse(line) as K6Point;
  } catch {
    return null;
  }
  if (point.type !== 'Point' || point.data?.time === undefined) return null;
  const epochMs = parseK6Time(point.data.time);
  const value = point.data.value ?? 0;
  if (!Number.isFinite(epochMs)) return null;
  switch (point.metric) {
    case 'fl_started':
      return { type: 'started', epochMs };
    case 'dropped_iterations':
      return { type: 'dropped', epochMs, count: value, scenario: point.data.tags?.scenario ?? 'main' };
    case 'fl_ack': {
      const tags = point.data.tags ?? {};
      if (typeof tags.endpoint !== 'string' || tags.endpoint === '') return null;
      return { type: 'ack', epochMs, endpoint: tags.endpoint, key: tags.key ?? '', id: tags.order ?? '' };
    }
    case 'fl_req': {
      const tags = point.data.tags ?? {};
      const outcome = tags.outcome ?? '';
      if (!OUTCOMES.has(outcome) || tags.endpoint === undefined) return null;
      return {
        type: 'request',
        endEpochMs: epochMs,
        latencyMs: value,
        endpoint: tags.endpoint,
        tenant: tags.tenant ?? 'unknown',
        outcome: outcome as Outcome,
        status: Number(tags.status ?? 0),
        ...(tags.degraded ? { degradedReason: tags.degraded } : {}),
        ...(tags.source && tags.source !== 'load' ? { source: tags.source } : {}),
        ...(tags.priority ? { priority: tags.priority } : {}),
        ...(tags.retry === '1' ? { retryAfter: true } : {}),
      };
    }
    default:
      return null;
  }
}
