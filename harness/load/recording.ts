// The recording of a run: every request the load generator made, kept in compact columns
// (about 20 bytes a request), so that any slice — phase x endpoint x tenant — can be judged
// exactly after the run, whatever the phase boundaries turn out to be. Pure logic, no I/O.

import type { Outcome, PhaseName, PhaseWindow, Sample, SecondPoint, SliceFilter, SliceStats } from '../types.ts';

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

export class Recording {
  private size = 0;
  private tMs = new Float64Array(1024);
  private latencyMs = new Float32Array(1024);
  private status = new Uint16Array(1024);
  private outcome = new Uint8Array(1024);
  private endpoint = new Uint16Array(1024);
  private tenant = new Uint16Array(1024);
  private readonly endpoints = new Interner();
  private readonly tenants = new Interner();
  private phases: PhaseWindow[] = [];
  readonly counts = { ok: 0, degraded: 0, error: 0 };

  get length(): number {
    return this.size;
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
    this.counts[s.outcome]++;
  }

  /** Sets the phase windows (known once the faults' real apply/remove times are known). */
  setPhases(phases: PhaseWindow[]): void {
    this.phases = phases;
  }

  endpointNames(): string[] {
    return [...this.endpoints.names];
  }

  tenantNames(): string[] {
    return [...this.tenants.names];
  }

  stats(filter: SliceFilter): SliceStats {
    const window = filter.phase === undefined ? undefined : this.phases.find((p) => p.name === filter.phase);
    const endpointId = filter.endpoint === undefined ? undefined : this.endpoints.find(filter.endpoint);
    const tenantId = filter.tenant === undefined ? undefined : this.tenants.find(filter.tenant);
    const empty = (filter.phase !== undefined && window === undefined) || (filter.endpoint !== undefined && endpointId === undefined) || (filter.tenant !== undefined && tenantId === undefined);
    const latencies: number[] = [];
    const c = [0, 0, 0];
    if (!empty)
      for (let i = 0; i < this.size; i++) {
        const t = this.tMs[i] as number;
        if (window !== undefined && (t < window.startMs || t >= window.endMs)) continue;
        if ((filter.fromMs !== undefined && t < filter.fromMs) || (filter.toMs !== undefined && t >= filter.toMs)) continue;
        if (endpointId !== undefined && this.endpoint[i] !== endpointId) continue;
        if (tenantId !== undefined && this.tenant[i] !== tenantId) continue;
        (c[this.outcome[i] as number] as number)++;
        latencies.push(this.latencyMs[i] as number);
      }
    return sliceStats(c[0] as number, c[1] as number, c[2] as number, latencies);
  }

  /** Per-second counts and p50/p99 per endpoint, for charts. */
  series(): SecondPoint[] {
    const buckets = new Map<string, { second: number; endpoint: string; c: number[]; lat: number[] }>();
    for (let i = 0; i < this.size; i++) {
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
    latencyAtMs: (p: number) => (n === 0 ? null : (sorted[Math.min(n - 1, Math.max(0, Math.ceil((p / 100) * n) - 1))] as number)),
    meanMs: n === 0 ? null : sum / n,
    maxMs: n === 0 ? null : (sorted[n - 1] as number),
  };
}
