import { describe, expect, it } from 'vitest';
import type { PhaseWindow } from '../../harness/types.ts';
import {
  breakerOpens,
  breakerOpensCheck,
  counterIncrease,
  type MetricSnapshot,
  retryAmplification,
  retryAmplificationCheck,
  sumSeries,
} from '../../harness/verdict/cascade.ts';
import { shop } from '../helpers/systems.ts';

// the series the shop declares, as run.ts hands them to the checks
const series = { ...shop.metrics!.series, entry: shop.entry };

const phases: PhaseWindow[] = [
  { name: 'baseline', startMs: 0, endMs: 10_000 },
  { name: 'fault', startMs: 10_000, endMs: 20_000 },
  { name: 'recovery', startMs: 20_000, endMs: 30_000 },
];
const gateway = (tMs: number, requests: number): MetricSnapshot => ({
  tMs,
  service: 'gateway',
  values: { 'http_requests_total{route="/products/:id",status="200",outcome="ok"}': requests },
});
const catalog = (tMs: number, ok: number, timeouts: number): MetricSnapshot => ({
  tMs,
  service: 'catalog',
  values: {
    'dependency_calls_total{dependency="postgres",result="ok"}': ok,
    'dependency_calls_total{dependency="postgres",result="timeout"}': timeouts,
    'dependency_calls_total{dependency="redis",result="ok"}': 999,
  },
});

describe('retry amplification', () => {
  it('sums a counter over label sets that match', () => {
    expect(sumSeries(catalog(0, 3, 4).values, 'dependency_calls_total', { dependency: 'postgres' })).toBe(7);
    expect(sumSeries(catalog(0, 3, 4).values, 'dependency_calls_total')).toBe(1006);
  });

  it('gives each name and label set its own sum when one snapshot is asked again (the live judge asks every second)', () => {
    const values = catalog(0, 3, 4).values;
    for (let i = 0; i < 2; i++) {
      expect(sumSeries(values, 'dependency_calls_total', { dependency: 'postgres' })).toBe(7);
      expect(sumSeries(values, 'dependency_calls_total')).toBe(1006);
      expect(sumSeries(values, 'dependency_calls')).toBe(0); // a prefix of a name is another name
    }
  });

  it('divides dependency calls by gateway requests over the phase window', () => {
    const snaps = [gateway(9_900, 500), catalog(9_950, 500, 0), gateway(20_100, 1000), catalog(20_050, 700, 1300)];
    expect(counterIncrease(snaps, phases[1] as PhaseWindow, 'http_requests_total', {}, 'gateway')).toBe(500);
    const check = retryAmplificationCheck(retryAmplification({ dependency: 'postgres', max: 1.3 }), snaps, phases, series);
    expect(check).toMatchObject({ status: 'fail', measured: 3, threshold: 1.3 });
    expect(check.why).toContain('1500 calls to postgres for 500 gateway requests');
  });

  it('passes when calls per request stay under the bound', () => {
    const snaps = [gateway(9_900, 500), catalog(9_950, 500, 0), gateway(20_100, 1000), catalog(20_050, 1000, 50)];
    expect(retryAmplificationCheck(retryAmplification({ dependency: 'postgres', max: 1.3 }), snaps, phases, series)).toMatchObject({
      status: 'pass',
      measured: 1.1,
    });
  });

  it('counts tries per call with per: call, which calls cut off by an open breaker do not move', () => {
    const orders = (tMs: number, calls: number, retries: number): MetricSnapshot => ({
      tMs,
      service: 'orders',
      values: { 'dependency_calls_total{dependency="payments",result="ok"}': calls, 'dependency_retries_total{dependency="payments"}': retries },
    });
    // 400 calls in the fault phase, 100 of them retries: 300 charges, 1.33 tries each, whatever the gateway served
    const snaps = [gateway(9_900, 500), orders(9_950, 100, 0), gateway(20_100, 5000), orders(20_050, 500, 100)];
    const check = retryAmplificationCheck(retryAmplification({ dependency: 'payments', max: 1.25, per: 'call' }), snaps, phases, series);
    expect(check).toMatchObject({ status: 'fail', measured: 1.333, threshold: 1.25, unit: 'tries per call' });
    expect(check.why).toContain('400 attempts on payments for 300 calls (100 retries)');
    expect(retryAmplificationCheck(retryAmplification({ dependency: 'payments', max: 1.25, per: 'call' }), [], phases, series).status).toBe('inconclusive');
  });

  it('counts breaker openings in the phase against min and max, inconclusive without counters', () => {
    const catalogBreaker = (tMs: number, opens: number, calls: number): MetricSnapshot => ({
      tMs,
      service: 'catalog-1',
      values: {
        'breaker_transitions_total{dependency="postgres",to="open"}': opens,
        'breaker_transitions_total{dependency="postgres",to="closed"}': 7,
        'dependency_calls_total{dependency="postgres",result="ok"}': calls,
      },
    });
    const snaps = [catalogBreaker(9_950, 1, 100), catalogBreaker(20_050, 3, 180)];
    expect(breakerOpensCheck(breakerOpens({ dependency: 'postgres', min: 1 }), snaps, phases, series)).toMatchObject({
      status: 'pass',
      measured: 2,
      unit: 'openings',
    });
    expect(breakerOpensCheck(breakerOpens({ dependency: 'postgres', min: 3 }), snaps, phases, series).status).toBe('fail');
    expect(breakerOpensCheck(breakerOpens({ dependency: 'postgres', max: 1 }), snaps, phases, series).status).toBe('fail');
    expect(breakerOpensCheck(breakerOpens({ dependency: 'postgres', min: 1 }), [], phases, series).status).toBe('inconclusive');
  });

  it('is inconclusive without metrics covering the phase', () => {
    expect(retryAmplificationCheck(retryAmplification({ dependency: 'postgres', max: 1.3 }), [], phases, series).status).toBe('inconclusive');
  });

  it('reads the series the system declares, counting the requests of its entry part', () => {
    const front = (tMs: number, requests: number): MetricSnapshot => ({ tMs, service: 'front', values: { 'requests_seen{route="/"}': requests } });
    const worker = (tMs: number, calls: number): MetricSnapshot => ({ tMs, service: 'worker', values: { 'calls_made{dependency="db"}': calls } });
    const snaps = [front(9_900, 100), worker(9_950, 100), gateway(9_900, 0), front(20_100, 300), worker(20_050, 500), gateway(20_100, 1_000_000)];
    const check = retryAmplificationCheck(retryAmplification({ dependency: 'db', max: 1.5 }), snaps, phases, {
      requests: 'requests_seen',
      calls: 'calls_made',
      entry: 'front',
    });
    expect(check).toMatchObject({ status: 'fail', measured: 2 });
    expect(check.why).toContain('400 calls to db for 200 front requests');
  });

  it('is inconclusive, naming the series, when the system declares none for a check', () => {
    const snaps = [gateway(9_900, 500), catalog(9_950, 500, 0), gateway(20_100, 1000), catalog(20_050, 700, 1300)];
    const noCalls = retryAmplificationCheck(retryAmplification({ dependency: 'postgres', max: 1.3 }), snaps, phases, {
      requests: 'http_requests_total',
      entry: 'gateway',
    });
    expect(noCalls).toMatchObject({ status: 'inconclusive', measured: null });
    expect(noCalls.why).toContain('declares no calls series');
    const noRetries = retryAmplificationCheck(retryAmplification({ dependency: 'postgres', max: 1.3, per: 'call' }), snaps, phases, {
      ...series,
      retries: undefined,
    });
    expect(noRetries.why).toContain('declares no retries series');
    const noBreaker = breakerOpensCheck(breakerOpens({ dependency: 'postgres', min: 1 }), snaps, phases, { ...series, breakerTransitions: undefined });
    expect(noBreaker).toMatchObject({ status: 'inconclusive', measured: null });
    expect(noBreaker.why).toContain('declares no breakerTransitions series');
  });
});
