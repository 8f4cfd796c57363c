import { describe, expect, it } from 'vitest';
import { measureRecovery, recoveryCheck, recoversWithin } from '../../harness/verdict/recovery.ts';
import { availability, latency } from '../../harness/verdict/slo.ts';
import type { SecondPoint } from '../../harness/types.ts';

const E = 'GET /products/:id';
const point = (second: number, ok: number, degraded: number, error: number, p99Ms = 10): SecondPoint => ({ second, endpoint: E, ok, degraded, error, p50Ms: 5, p99Ms });
const slos = [availability({ endpoint: E, min: 0.99 }), latency({ endpoint: E, p: 99, maxMs: 300 })];

describe('recovery', () => {
  it('measures from the fault removal to the first second after which every second holds', () => {
    const series = [point(9, 0, 0, 50), point(10, 10, 0, 40), point(11, 50, 0, 0), point(12, 20, 0, 30), point(13, 50, 0, 0), point(14, 50, 0, 0), point(15, 50, 0, 0)];
    const f = measureRecovery(series, E, 10_400, 16_000, slos);
    expect(f.recoveredAfterMs).toBe(2600); // second 13 starts 2600 ms after removal; 11 alone does not count
    expect(recoveryCheck(recoversWithin(E, '5s'), f)).toMatchObject({ status: 'pass', measured: 2600, threshold: 5000 });
    expect(recoveryCheck(recoversWithin(E, '2s'), f).status).toBe('fail');
  });

  it('counts degraded answers as available for the SLOs, but not as undegraded', () => {
    const series = [point(10, 0, 50, 0), point(11, 0, 50, 0), point(12, 50, 0, 0), point(13, 50, 0, 0)];
    const f = measureRecovery(series, E, 10_000, 14_000, slos);
    expect(f).toMatchObject({ recoveredAfterMs: 0, undegradedAfterMs: 2000 });
  });

  it('judges latency per second too', () => {
    const series = [point(10, 50, 0, 0, 900), point(11, 50, 0, 0, 20)];
    expect(measureRecovery(series, E, 10_000, 12_000, slos).recoveredAfterMs).toBe(1000);
  });

  it('fails when the SLOs never hold again, or there are no samples after removal', () => {
    const never = measureRecovery([point(10, 0, 0, 50), point(11, 0, 0, 50)], E, 10_000, 12_000, slos);
    expect(recoveryCheck(recoversWithin(E, '10s'), never)).toMatchObject({ status: 'fail', measured: null });
    expect(measureRecovery([], E, 10_000, 12_000, slos).recoveredAfterMs).toBeNull();
  });
});
