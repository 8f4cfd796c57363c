// How a network fault proves it landed: what a probe across the edge must see change, measured
// once before the fault and once after. One place for every toxic kind:
//   slower     the round trip grows (latency)
//   broken     the round trip fails: an error, a reset or no answer in time (reset_peer, timeout,
//              packet_loss), having worked just before
//   throttled  a bulk transfer slows to the toxic's rate (bandwidth)
//   slow-close the server's close of a connection arrives late (slow_close)
// When only a share of connections (toxicity) or of chunks (packet loss) is hit, one kept-open
// probe proves nothing either way: the proof samples fresh connections, ten at a time, until one
// shows the fault or as many have been sampled as a landed fault shows in with 99.9% probability,
// and says how many it saw.

import type { ToxicStream } from '../runtime/toxiproxy.ts';
import type { EdgeEndpoint } from '../runtime/types.ts';
import { closeRoundTripMs, type EdgeProbe, median, openProbe } from './probe.ts';
import type { Proof } from './types.ts';

export type Landing =
  | { kind: 'slower'; extraMs: number }
  /** `withinMs`: how long the toxic may wait before it breaks the connection (reset_peer's timeout) */
  | { kind: 'broken'; withinMs?: number }
  | { kind: 'throttled'; bytesPerMs: number; stream: ToxicStream }
  | { kind: 'slow-close'; extraMs: number };

/** What the edge looked like before the fault, for the comparison after. */
export interface Before {
  ms: number;
  /** bulk transfers only: the bytes each way */
  bytes?: number;
}

const TRIES = 3;
/** a landed fault shows in the sample with at least this probability */
const CONFIDENCE = 0.999;
const MAX_SAMPLES = 60;
const CONCURRENCY = 10;

/** Fresh connections to sample for a fault that hits `share` of them: none missed with 99.9%. */
export function samplesFor(share: number): number {
  if (share >= 1) return 1;
  if (!(share > 0)) return MAX_SAMPLES;
  return Math.min(MAX_SAMPLES, Math.max(TRIES, Math.ceil(Math.log(1 - CONFIDENCE) / Math.log(1 - share))));
}

/** Bytes for a bulk transfer that takes ~400 ms at the toxic's rate (clamped to 2 kB..4 MB). */
export function bulkBytesFor(bytesPerMs: number): number {
  return Math.round(Math.min(4_000_000, Math.max(2000, bytesPerMs * 400)));
}

/** Below this the rate limit cannot be told apart from noise. */
export const MIN_OBSERVABLE_MS = 20;

function timeoutFor(landing: Landing, beforeMs: number): number {
  const healthy = Math.max(500, beforeMs * 10);
  if (landing.kind === 'slower') return Math.max(2000, healthy + landing.extraMs * 6);
  if (landing.kind === 'slow-close') return Math.max(2000, healthy + landing.extraMs * 3);
  if (landing.kind === 'broken') return (landing.withinMs ?? 0) + healthy;
  return healthy + (bulkBytesFor(landing.bytesPerMs) / landing.bytesPerMs) * 4;
}

/** One measurement on `probe`: what the landing compares. */
async function measure(edge: EdgeEndpoint, probe: EdgeProbe, landing: Landing, timeoutMs: number): Promise<Before> {
  if (landing.kind === 'slow-close') return { ms: await closeRoundTripMs(edge, timeoutMs) };
  if (landing.kind === 'throttled') {
    const t = await probe.bulk(bulkBytesFor(landing.bytesPerMs), timeoutMs);
    return { ms: t.ms, bytes: landing.stream === 'upstream' ? t.upBytes : t.downBytes };
  }
  return { ms: await probe.roundTripMs(timeoutMs) };
}

async function onFresh<T>(edge: EdgeEndpoint, work: (probe: EdgeProbe) => Promise<T>, connectTimeoutMs = 5000): Promise<T> {
  const probe = await openProbe(edge, connectTimeoutMs);
  try {
    return await work(probe);
  } finally {
    await probe.close();
  }
}

/** Before the fault: the median of a few measurements, on the kept probe (share 1) or fresh ones. Throws when the edge is broken already. */
export async function measureBefore(edge: EdgeEndpoint, probe: EdgeProbe, landing: Landing, share: number): Promise<Before> {
  const samples: Before[] = [];
  for (let i = 0; i < TRIES; i++) {
    const once = (p: EdgeProbe): Promise<Before> => measure(edge, p, landing, 5000);
    samples.push(share >= 1 ? await once(probe) : await onFresh(edge, once));
  }
  const ms = median(samples.map((s) => s.ms));
  return { ms, ...(samples[0]?.bytes === undefined ? {} : { bytes: samples[0].bytes }) };
}

type Sample = { ok: true; ms: number; bytes?: number } | { ok: false; error: string };

async function sample(edge: EdgeEndpoint, probe: EdgeProbe | undefined, landing: Landing, timeoutMs: number): Promise<Sample> {
  try {
    const m =
      probe === undefined ? await onFresh(edge, (p) => measure(edge, p, landing, timeoutMs), timeoutMs) : await measure(edge, probe, landing, timeoutMs);
    return { ok: true, ...m };
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
}

/** How much slower than before a measurement must be to count as hit; undefined for `broken`. */
export function neededExtraMs(landing: Landing, before: Before): number | undefined {
  if (landing.kind === 'slower') return landing.extraMs;
  if (landing.kind === 'slow-close') return landing.extraMs / 2;
  if (landing.kind === 'throttled') return (before.bytes ?? 0) / landing.bytesPerMs / 2;
  return undefined;
}

/** Whether one sample shows the fault. A slower/throttled/slow-close fault that fails the probe outright is not what it claims. */
export function isHit(landing: Landing, before: Before, s: Sample): boolean {
  if (landing.kind === 'broken') return !s.ok;
  return s.ok && s.ms - before.ms >= (neededExtraMs(landing, before) as number);
}

const fmt = (ms: number): string => `${ms.toFixed(1)} ms`;

/** After the fault: samples the edge and judges them against `before`. */
export async function proveLanding(edge: EdgeEndpoint, probe: EdgeProbe, landing: Landing, share: number, before: Before): Promise<Proof> {
  const timeoutMs = timeoutFor(landing, before.ms);
  const what = `${edge.edge}`;
  if (landing.kind === 'throttled' && (before.bytes ?? 0) / landing.bytesPerMs < MIN_OBSERVABLE_MS)
    return {
      landed: false,
      evidence: `a ${before.bytes} B transfer via ${what} would take only ${fmt((before.bytes ?? 0) / landing.bytesPerMs)} at ${landing.bytesPerMs} B/ms: too little to observe`,
    };
  const needed = neededExtraMs(landing, before);
  const need = needed === undefined ? 'the probe to fail' : `+${needed.toFixed(0)} ms`;
  const beforeText = `${landing.kind === 'throttled' ? `a ${before.bytes} B transfer` : landing.kind === 'slow-close' ? 'a server-side close' : 'a round trip'} via ${what} took ${fmt(before.ms)} before`;

  if (share >= 1) {
    // every connection is hit: the median of a few measurements on the kept probe (one for broken)
    const samples: Sample[] = [];
    for (let i = 0; i < (landing.kind === 'broken' ? 1 : TRIES); i++) samples.push(await sample(edge, probe, landing, timeoutMs));
    if (landing.kind === 'broken') {
      const s = samples[0] as Sample;
      return s.ok
        ? { landed: false, evidence: `${beforeText}, and still answered in ${fmt(s.ms)} after (needed ${need})` }
        : { landed: true, evidence: `${beforeText}; after: ${s.error}` };
    }
    const failed = samples.find((s): s is Sample & { ok: false } => !s.ok);
    if (failed) return { landed: false, evidence: `${beforeText}; after, the probe failed instead of getting slower: ${failed.error}` };
    const after = median(samples.map((s) => (s.ok ? s.ms : 0)));
    const landed = after - before.ms >= (needed as number);
    return { landed, evidence: `${beforeText}, ${fmt(after)} after (+${fmt(after - before.ms)}, needed ${need})` };
  }

  // a share of connections or chunks: fresh connections, a few at a time, until a batch shows it
  // (one hit is the proof) or the sample that misses a landed fault 0.1% of the time is spent
  const n = samplesFor(share);
  const results: Sample[] = [];
  let hits = 0;
  for (let i = 0; i < n && hits === 0; i += CONCURRENCY) {
    const batch = await Promise.all(Array.from({ length: Math.min(CONCURRENCY, n - i) }, () => sample(edge, undefined, landing, timeoutMs)));
    results.push(...batch);
    hits += batch.filter((s) => isHit(landing, before, s)).length;
  }
  const firstError = results.find((s): s is Sample & { ok: false } => !s.ok)?.error;
  const upTo = results.length < n ? `, sampled until one did, up to ${n}` : '';
  const evidence = `${beforeText}; after, ${hits} of ${results.length} fresh connections showed it (needed ${need} on at least one${upTo}; ~${Math.round(share * results.length)} expected at a share of ${share})${firstError ? `; e.g. ${firstError}` : ''}`;
  return { landed: hits > 0, evidence };
}
