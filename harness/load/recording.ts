// The recording of a run: every request the load generator made, kept in compact columns
// (about 20 bytes a request), so that any slice — phase x endpoint x tenant — can be judged
// exactly after the run, whatever the phase boundaries turn out to be. Pure logic, no I/O.

import {
  ANY_SOURCE,
  BASE_SOURCE,
  type Outcome,
  type PhaseName,
  type PhaseWindow,
  type Sample,
  type SecondPoint,
  type SliceFilter,
  type SliceStats,
} from '../types.ts';
import { percentileInterval } from '../verdict/interval.ts';

const OUTCOMES: readonly Outcome[] = ['ok', 'degraded', 'error'];

class Interner {
  readonly names: string[] = [];
  private readonly index = new Map<string, number>();
  id(name: string): number {
    let i = this.index.get(name);
    if (i === undefined) {
      i = this.names.length;
      this.names.push(name);
      this.index.set(name, i);
    }
    return i;
  }
  find(name: string): number | undefined {
    return this.index.get(name);
  }
}

/** HTTP status (0: no answer) -> how many answers had it, and how many of those carried Retry-After. */
export type StatusCounts = Record<number, { count: number; retryAfter: number }>;

export class Recording {
  private size = 0;
  private tMs = new Float64Array(1024);
  private latencyMs = new Float32Array(1024);
  private status = new Uint16Array(1024);
  private outcome = new Uint8Array(1024);
  private endpoint = new Uint16Array(1024);
  private tenant = new Uint16Array(1024);
  private source = new Uint16Array(1024);
  private priority = new Uint8Array(1024);
  private retryAfter = new Uint8Array(1024);
  private readonly endpoints = new Interner();
  private readonly tenants = new Interner();
  private readonly sources = new Interner();
  private readonly priorities = new Interner();
  private phases: PhaseWindow[] = [];
  /** outcomes of the base load (a fault's own traffic is counted apart, in its proof) */
  readonly counts = { ok: 0, degraded: 0, error: 0 };

  /** every sample, the faults' own traffic included */
  get length(): number {
    return this.size;
  }

  /** bytes the columns hold (their capacity, not only what is used) */
  get columnBytes(): number {
    let bytes = 0;
    for (const c of [this.tMs, this.latencyMs, this.status, this.outcome, this.endpoint, this.tenant, this.source, this.priority, this.retryAfter])
      bytes += c.byteLength;
    return bytes;
  }

  /** samples of the base load alone */
  get baseLength(): number {
    return this.counts.ok + this.counts.degraded + this.counts.error;
  }

  add(s: Sample): void {
    if (this.size === this.tMs.length) this.grow();
    const i = this.size++;
    this.tMs[i] = s.tMs;
    this.latencyMs[i] = s.latencyMs;
    this.status[i] = s.status;
    this.outcome[i] = OUTCOMES.indexOf(s.outcome);
    this.endpoint[i] = this.endpoints.id(s.endpoint);
    this.tenant[i] = this.tenants.id(s.tenant);
    this.source[i] = this.sources.id(s.source ?? BASE_SOURCE);
    this.priority[i] = this.priorities.id(s.priority ?? '');
    this.retryAfter[i] = s.retryAfter === true ? 1 : 0;
    if ((s.source ?? BASE_SOURCE) === BASE_SOURCE) this.counts[s.outcome]++;
  }

  /** start times of the base load's requests from fromMs on, ascending (the live judge's cut) */
  baseStartsFrom(fromMs: number): number[] {
    const base = this.sources.find(BASE_SOURCE);
    const out: number[] = [];
    for (let i = 0; i < this.size; i++) if (this.source[i] === base && (this.tMs[i] as number) >= fromMs) out.push(this.tMs[i] as number);
    return out.sort((a, b) => a - b);
  }

  /** Sets the phase windows (known once the faults' real apply/remove times are known). */
  setPhases(phases: PhaseWindow[]): void {
    this.phases = phases;
  }

  /** requests the base load sent, per endpoint */
  sentBy(): Record<string, number> {
    const out: Record<string, number> = {};
    const base = this.sources.find(BASE_SOURCE);
    for (let i = 0; i < this.size; i++) {
      if (this.source[i] !== base) continue;
      const name = this.endpoints.names[this.endpoint[i] as number] as string;
      out[name] = (out[name] ?? 0) + 1;
    }
    return out;
  }

  /** endpoints seen in one source's samples (default: the base load), in order of appearance */
  endpointNames(source: string = BASE_SOURCE): string[] {
    return this.namesIn(this.endpoints, this.endpoint, source);
  }

  /** tenants seen in one source's samples (default: the base load), in order of appearance */
  tenantNames(source: string = BASE_SOURCE): string[] {
    return this.namesIn(this.tenants, this.tenant, source);
  }

  private namesIn(names: Interner, column: Uint16Array, source: string): string[] {
    if (source === ANY_SOURCE) return [...names.names];
    const sourceId = this.sources.find(source);
    const seen = new Set<number>();
    for (let i = 0; i < this.size; i++) if (this.source[i] === sourceId) seen.add(column[i] as number);
    return names.names.filter((_, id) => seen.has(id));
  }

  /**
   * Calls `each` with the index of every sample a filter selects, in order. A plain loop, not a
   * generator: the live judge scans the recording several times a second, and a generator's
   * resume per selected sample cost more than the scan itself.
   */
  private select(filter: SliceFilter, each: (i: number) => void): void {
    const window = filter.phase === undefined ? undefined : this.phases.find((p) => p.name === filter.phase);
    const endpointId = filter.endpoint === undefined ? undefined : this.endpoints.find(filter.endpoint);
    const tenantId = filter.tenant === undefined ? undefined : this.tenants.find(filter.tenant);
    const priorityId = filter.priority === undefined ? undefined : this.priorities.find(filter.priority);
    const excluded = new Set((filter.excludeTenants ?? []).map((t) => this.tenants.find(t)).filter((id) => id !== undefined));
    const source = filter.source ?? BASE_SOURCE;
    const sourceId = source === ANY_SOURCE ? undefined : this.sources.find(source);
    const empty =
      (filter.phase !== undefined && window === undefined) ||
      (filter.endpoint !== undefined && endpointId === undefined) ||
      (filter.tenant !== undefined && tenantId === undefined) ||
      (filter.priority !== undefined && priorityId === undefined) ||
      (source !== ANY_SOURCE && sourceId === undefined);
    if (empty) return;
    // the time bounds as one range: the phase's window and the filter's own, whichever are given
    const from = Math.max(window?.startMs ?? -Infinity, filter.fromMs ?? -Infinity);
    const to = Math.min(window?.endMs ?? Infinity, filter.toMs ?? Infinity);
    for (let i = 0; i < this.size; i++) {
      const t = this.tMs[i] as number;
      if (t < from || t >= to) continue;
      if (endpointId !== undefined && this.endpoint[i] !== endpointId) continue;
      if (tenantId !== undefined && this.tenant[i] !== tenantId) continue;
      if (excluded.size > 0 && excluded.has(this.tenant[i] as number)) continue;
      if (priorityId !== undefined && this.priority[i] !== priorityId) continue;
      if (sourceId !== undefined && this.source[i] !== sourceId) continue;
      each(i);
    }
  }

  stats(filter: SliceFilter): SliceStats {
    const latencies: number[] = [];
    const c = [0, 0, 0];
    this.select(filter, (i) => {
      (c[this.outcome[i] as number] as number)++;
      latencies.push(this.latencyMs[i] as number);
    });
    return sliceStats(c[0] as number, c[1] as number, c[2] as number, latencies);
  }

  /** Answers per HTTP status in a slice (0: no answer), and how many of each carried Retry-After. */
  statuses(filter: SliceFilter): StatusCounts {
    const out: StatusCounts = {};
    this.select(filter, (i) => {
      const status = this.status[i] as number;
      const entry = (out[status] ??= { count: 0, retryAfter: 0 });
      entry.count++;
      entry.retryAfter += this.retryAfter[i] as number;
    });
    return out;
  }

  /** Per-second counts and p50/p99 per endpoint of the base load, for charts. */
  series(): SecondPoint[] {
    const buckets = new Map<string, { second: number; endpoint: string; c: number[]; lat: number[] }>();
    const baseId = this.sources.find(BASE_SOURCE);
    for (let i = 0; i < this.size; i++) {
      if (this.source[i] !== baseId) continue;
      const second = Math.floor((this.tMs[i] as number) / 1000);
      const endpoint = this.endpoints.names[this.endpoint[i] as number] as string;
      const key = `${second}|${endpoint}`;
      let b = buckets.get(key);
      if (b === undefined) buckets.set(key, (b = { second, endpoint, c: [0, 0, 0], lat: [] }));
      (b.c[this.outcome[i] as number] as number)++;
      b.lat.push(this.latencyMs[i] as number);
    }
    return [...buckets.values()]
      .sort((a, b) => a.second - b.second || a.endpoint.localeCompare(b.endpoint))
      .map((b) => {
        const s = sliceStats(b.c[0] as number, b.c[1] as number, b.c[2] as number, b.lat);
        return { second: b.second, endpoint: b.endpoint, ok: s.ok, degraded: s.degraded, error: s.error, p50Ms: s.latencyAtMs(50), p99Ms: s.latencyAtMs(99) };
      });
  }

  phaseOf(tMs: number): PhaseName | undefined {
    return this.phases.find((p) => tMs >= p.startMs && tMs < p.endMs)?.name;
  }

  private grow(): void {
    const n = this.tMs.length * 2;
    const g = <T extends Float64Array | Float32Array | Uint16Array | Uint8Array>(a: T, make: (n: number) => T): T => {
      const b = make(n);
      b.set(a);
      return b;
    };
    this.tMs = g(this.tMs, (k) => new Float64Array(k));
    this.latencyMs = g(this.latencyMs, (k) => new Float32Array(k));
    this.status = g(this.status, (k) => new Uint16Array(k));
    this.outcome = g(this.outcome, (k) => new Uint8Array(k));
    this.endpoint = g(this.endpoint, (k) => new Uint16Array(k));
    this.tenant = g(this.tenant, (k) => new Uint16Array(k));
    this.source = g(this.source, (k) => new Uint16Array(k));
    this.priority = g(this.priority, (k) => new Uint8Array(k));
    this.retryAfter = g(this.retryAfter, (k) => new Uint8Array(k));
  }
}

/** Nearest-rank percentiles over the slice's latencies (exact, not estimated). */
export function sliceStats(ok: number, degraded: number, error: number, latencies: number[]): SliceStats {
  const sorted = Float64Array.from(latencies).sort();
  const n = sorted.length;
  const sum = sorted.reduce((a, b) => a + b, 0);
  return {
    ok,
    degraded,
    error,
    total: ok + degraded + error,
    latencyInterval: (p: number, confidence: number) => percentileInterval(sorted, p, confidence),
    latencyAtMs: (p: number) => (n === 0 ? null : (sorted[Math.min(n - 1, Math.max(0, Math.ceil((p / 100) * n) - 1))] as number)),
    meanMs: n === 0 ? null : sum / n,
    maxMs: n === 0 ? null : (sorted[n - 1] as number),
  };
}
