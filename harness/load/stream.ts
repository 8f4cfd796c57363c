// faultline's own load stream, as tools/xk6-faultline writes it: one tab-separated line per
// request (and per start, ack, dropped-iterations point, heartbeat), a hello line first and an
// end line last on every runner's connection. Pure: no I/O. The format is documented in
// tools/xk6-faultline/stream.go; this is its only reader.

import { StringDecoder } from 'node:string_decoder';
import type { Outcome } from '../types.ts';

export const STREAM_VERSION = '1';

/** What the run uses of the load: the load clock's zero, each request, dropped iterations, acks. */
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

type RequestEvent = Extract<LoadEvent, { type: 'request' }>;

export type StreamLine =
  | LoadEvent
  /** the first line of a runner's connection */
  | { type: 'hello'; version: string; token: string; runner: string; segment: string }
  /** a runner with nothing else to say for a second says it is alive */
  | { type: 'heartbeat'; epochMs: number }
  /** the last line: the runner finished and wrote this many requests */
  | { type: 'end'; requests: number };

/** Returns what a line says, or null for a line that is not faultline's stream. */
export function parseStreamLine(line: string): StreamLine | null {
  const f = line.split('\t');
  switch (f[0]) {
    case 'R': {
      if (f.length < 11) return null;
      const outcome = f[4];
      if (outcome !== 'ok' && outcome !== 'degraded' && outcome !== 'error') return null;
      const endEpochMs = Number(f[1]);
      const latencyMs = Number(f[2]);
      if (!Number.isFinite(endEpochMs) || !Number.isFinite(latencyMs)) return null;
      // one object per request, its optional fields set only when present (no spreads: this runs
      // for every request, mostly before V8 has optimised it)
      const e: RequestEvent = {
        type: 'request',
        endEpochMs,
        latencyMs,
        endpoint: f[5] as string,
        tenant: f[6] || 'unknown',
        outcome,
        status: Number(f[3]) || 0,
      };
      const degraded = f[10] as string;
      const source = f[8] as string;
      const priority = f[7] as string;
      if (degraded !== '') e.degradedReason = degraded;
      if (source !== '' && source !== 'load') e.source = source;
      if (priority !== '') e.priority = priority;
      if (f[9] === '1') e.retryAfter = true;
      return e;
    }
    case 'S':
      return timed(f[1], (epochMs) => ({ type: 'started', epochMs }));
    case 'A':
      if (f.length < 5 || f[2] === '') return null;
      return timed(f[1], (epochMs) => ({ type: 'ack', epochMs, endpoint: f[2] as string, key: f[3] as string, id: f[4] as string }));
    case 'D':
      if (f.length < 4) return null;
      return timed(f[1], (epochMs) => ({ type: 'dropped', epochMs, count: Number(f[2]) || 0, scenario: f[3] || 'main' }));
    case 'B':
      return timed(f[1], (epochMs) => ({ type: 'heartbeat', epochMs }));
    case 'E': {
      const requests = Number(f[1]);
      return Number.isSafeInteger(requests) ? { type: 'end', requests } : null;
    }
    case 'H':
      if (f.length < 5) return null;
      return { type: 'hello', version: f[1] as string, token: f[2] as string, runner: f[3] as string, segment: f[4] as string };
    default:
      return null;
  }
}

function timed(text: string | undefined, make: (epochMs: number) => StreamLine): StreamLine | null {
  const epochMs = Number(text);
  return text === undefined || text === '' || !Number.isFinite(epochMs) ? null : make(epochMs);
}

/** Cuts a byte stream into whole lines, whatever the chunk boundaries; keeps only the unfinished tail. */
export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private tail = '';
  private readonly onLine: (line: string) => void;

  constructor(onLine: (line: string) => void) {
    this.onLine = onLine;
  }

  push(chunk: Buffer): void {
    const text = this.tail + this.decoder.write(chunk);
    let start = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
      this.onLine(text.slice(start, nl));
      start = nl + 1;
    }
    this.tail = text.slice(start);
  }

  /** the bytes after the last newline (a runner cut off mid-line) */
  get pending(): string {
    return this.tail + this.decoder.end();
  }
}
