// Open-model load for the sample-system tests: requests are sent on a fixed schedule whether or
// not earlier ones have answered (as k6's arrival-rate executors do), so a slow system gets the
// offered load, and each answer is recorded with its latency and outcome.

import { Agent, request } from 'undici';

export interface Sample {
  /** performance.now() when the request was sent */
  sentAtMs: number;
  status: number;
  latencyMs: number;
  degraded: boolean;
}

export interface LoadOptions {
  ratePerSecond: number;
  durationMs: number;
  /** the URL of the i-th request */
  url: (i: number) => string;
  timeoutMs?: number;
}

const agent = new Agent({ connections: 256, keepAliveTimeout: 10_000 });

export async function openLoad(options: LoadOptions): Promise<Sample[]> {
  const total = Math.round((options.ratePerSecond * options.durationMs) / 1000);
  const intervalMs = 1000 / options.ratePerSecond;
  const start = performance.now();
  const pending: Promise<Sample>[] = [];
  for (let i = 0; i < total; i++) {
    const waitMs = start + i * intervalMs - performance.now();
    if (waitMs > 0) await new Promise((r) => setTimeout(r, waitMs));
    pending.push(send(options.url(i), options.timeoutMs ?? 5000));
  }
  return Promise.all(pending);
}

export async function send(url: string, timeoutMs = 5000): Promise<Sample> {
  const t0 = performance.now();
  try {
    const res = await request(url, { dispatcher: agent, signal: AbortSignal.timeout(timeoutMs), headers: { 'x-tenant': 'acme' } });
    await res.body.dump();
    return { sentAtMs: t0, status: res.statusCode, latencyMs: performance.now() - t0, degraded: res.headers['x-degraded'] !== undefined };
  } catch {
    return { sentAtMs: t0, status: 0, latencyMs: performance.now() - t0, degraded: false };
  }
}

export function percentileMs(samples: readonly Sample[], p: number): number {
  const sorted = samples.map((s) => s.latencyMs).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

/** Answered ok or degraded (2xx) over all requests sent. */
export function availability(samples: readonly Sample[]): number {
  return samples.filter((s) => s.status >= 200 && s.status < 300).length / samples.length;
}

/** Time from `sinceMs` to the last request that was not a plain ok (0 if none was). */
export function settledAfterMs(samples: readonly Sample[], sinceMs: number): number {
  const notOk = samples.filter((s) => s.status !== 200 || s.degraded);
  return notOk.length === 0 ? 0 : Math.max(...notOk.map((s) => s.sentAtMs + s.latencyMs)) - sinceMs;
}

export function summary(samples: readonly Sample[]): string {
  const byStatus = new Map<string, number>();
  for (const s of samples) {
    const key = `${s.status}${s.degraded ? ' degraded' : ''}`;
    byStatus.set(key, (byStatus.get(key) ?? 0) + 1);
  }
  return `${samples.length} requests, availability ${availability(samples).toFixed(4)}, p50 ${percentileMs(samples, 50).toFixed(1)} ms, p99 ${percentileMs(samples, 99).toFixed(1)} ms, max ${percentileMs(samples, 100).toFixed(1)} ms; ${[...byStatus].map(([k, n]) => `${k}: ${n}`).join(', ')}`;
}
