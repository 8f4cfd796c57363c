import { describe, expect, it } from 'vitest';
import { Recording, sliceStats } from '../../harness/load/recording.ts';
import type { Outcome } from '../../harness/types.ts';

const sample = (tMs: number, latencyMs: number, outcome: Outcome = 'ok', endpoint = 'GET /products/:id', tenant = 'acme') => ({
  tMs,
  latencyMs,
  outcome,
  endpoint,
  tenant,
  status: outcome === 'error' ? 503 : 200,
});

describe('Recording', () => {
  it('slices by phase window, endpoint and tenant, counting ok, degraded and error apart', () => {
    const r = new Recording();
    r.add(sample(100, 5));
    r.add(sample(1500, 50, 'degraded'));
    r.add(sample(1600, 900, 'error', 'GET /products/:id', 'globex'));
    r.add(sample(2500, 7, 'ok', 'GET /search'));
    r.setPhases([
      { name: 'baseline', startMs: 0, endMs: 1000 },
      { name: 'fault', startMs: 1000, endMs: 2000 },
      { name: 'recovery', startMs: 2000, endMs: 3000 },
    ]);
    const fault = r.stats({ phase: 'fault', endpoint: 'GET /products/:id' });
    expect([fault.ok, fault.degraded, fault.error, fault.total]).toEqual([0, 1, 1, 2]);
    expect(r.stats({ phase: 'fault', tenant: 'globex' }).total).toBe(1);
    expect(r.stats({ phase: 'recovery', endpoint: 'GET /products/:id' }).total).toBe(0);
    expect(r.stats({ endpoint: 'GET /nope' }).total).toBe(0);
    expect(r.counts).toEqual({ ok: 2, degraded: 1, error: 1 });
  });

  it('leaves out the tenants a check excludes (those allowed to breach), and only them', () => {
    const r = new Recording();
    r.add(sample(100, 5, 'ok', 'POST /orders', 'acme'));
    r.add(sample(200, 5, 'error', 'POST /orders', 'initech'));
    r.add(sample(300, 5, 'ok', 'POST /orders', 'globex'));
    const victims = r.stats({ endpoint: 'POST /orders', excludeTenants: ['initech', 'unknown-tenant'] });
    expect([victims.ok, victims.error]).toEqual([2, 0]);
    expect(r.stats({ endpoint: 'POST /orders' }).total).toBe(3);
  });

  it('grows past its initial capacity without losing samples', () => {
    const r = new Recording();
    for (let i = 0; i < 5000; i++) r.add(sample(i, i % 100));
    expect(r.length).toBe(5000);
    expect(r.stats({}).maxMs).toBe(99);
  });

  it('builds per-second points per endpoint', () => {
    const r = new Recording();
    r.add(sample(100, 10));
    r.add(sample(900, 30, 'error'));
    r.add(sample(1100, 20));
    expect(r.series()).toEqual([
      { second: 0, endpoint: 'GET /products/:id', ok: 1, degraded: 0, error: 1, p50Ms: 10, p99Ms: 30 },
      { second: 1, endpoint: 'GET /products/:id', ok: 1, degraded: 0, error: 0, p50Ms: 20, p99Ms: 20 },
    ]);
  });
});

describe('sliceStats', () => {
  it('uses nearest-rank percentiles', () => {
    const s = sliceStats(
      100,
      0,
      0,
      Array.from({ length: 100 }, (_, i) => i + 1),
    );
    expect(s.latencyAtMs(50)).toBe(50);
    expect(s.latencyAtMs(99)).toBe(99);
    expect(s.latencyAtMs(100)).toBe(100);
    expect(s.latencyAtMs(0.1)).toBe(1);
  });
  it('has no latency figures when the slice is empty', () => {
    const s = sliceStats(0, 0, 0, []);
    expect([s.latencyAtMs(99), s.meanMs, s.maxMs, s.total]).toEqual([null, null, null, 0]);
  });
});
