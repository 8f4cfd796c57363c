import { describe, expect, it } from 'vitest';
import { sliceStats } from '../../harness/load/recording.ts';
import type { FaultRecord, LoadFigures, SliceStats } from '../../harness/types.ts';
import { comparesNothing, judge, loadCheck, phaseWindows, verdictOf } from '../../harness/verdict/index.ts';
import { availability, checkSlo, latency } from '../../harness/verdict/slo.ts';

const stats = (ok: number, degraded: number, error: number, latencies: number[]): SliceStats => sliceStats(ok, degraded, error, latencies);
const load: LoadFigures = { offeredRatePerSecond: 50, durationMs: 10_000, requestsSent: 500, droppedIterations: 0, k6ExitCode: 0 };
const fault = (over: Partial<FaultRecord> = {}): FaultRecord => ({
  id: 'f0',
  kind: 'latency',
  target: 'catalog->postgres',
  description: '+400 ms',
  scheduledAtMs: 2000,
  scheduledForMs: 3000,
  appliedAtMs: 2010,
  removedAtMs: 5012,
  landed: true,
  evidence: 'probe +401 ms',
  ...over,
});

describe('SLO checks', () => {
  it('counts degraded answers as available', () => {
    const c = checkSlo(availability({ endpoint: 'GET /products/:id', min: 0.99 }), 'fault', stats(10, 89, 1, []));
    expect(c.status).toBe('pass');
    expect(c.measured).toBe(0.99);
  });

  it('fails availability below the objective and says so in numbers', () => {
    const c = checkSlo(availability({ endpoint: 'GET /products/:id', min: 0.995 }), 'fault', stats(90, 7, 3, []));
    expect(c).toMatchObject({ status: 'fail', measured: 0.97, threshold: 0.995 });
    expect(c.why).toContain('97.00%');
    expect(c.why).toContain('99.50%');
  });

  it('is inconclusive, not failed or passed, when the fault phase has no samples', () => {
    const c = checkSlo(availability({ endpoint: 'GET /products/:id', min: 0.9 }), 'fault', stats(0, 0, 0, []));
    expect(c.status).toBe('inconclusive');
    expect(c.measured).toBeNull();
    expect(c.why).toContain('no samples');
    expect(checkSlo(latency({ endpoint: 'GET /products/:id', p: 99, maxMs: 300 }), 'recovery', stats(0, 0, 0, [])).status).toBe('inconclusive');
  });

  it('makes the run inconclusive when one phase has no samples and the others hold', () => {
    const slos = [availability({ endpoint: 'GET /products/:id', min: 0.99 })];
    const byPhase = (f: { phase?: string }) => (f.phase === 'recovery' ? stats(0, 0, 0, []) : stats(100, 0, 0, [5]));
    const { verdict, checks } = judge({ slos, stats: byPhase, faults: [fault()], load });
    expect(verdict).toBe('inconclusive');
    expect(checks.filter((c) => c.status === 'inconclusive').map((c) => c.phase)).toEqual(['recovery']);
  });

  it('fails a latency objective when the percentile is over it', () => {
    const latencies = [...Array.from({ length: 98 }, () => 10), 500, 600];
    const c = checkSlo(latency({ endpoint: 'GET /products/:id', p: 99, maxMs: 300 }), 'fault', stats(100, 0, 0, latencies));
    expect(c).toMatchObject({ status: 'fail', measured: 500, threshold: 300, unit: 'ms' });
  });
});

describe('judge', () => {
  const slos = [availability({ endpoint: 'GET /products/:id', min: 0.99 })];
  const good = () => stats(100, 0, 0, [5]);

  it('passes only when every check passes', () => {
    const { verdict, checks } = judge({ slos, stats: good, faults: [fault()], load });
    expect(verdict).toBe('pass');
    expect(checks.map((c) => c.kind)).toEqual(['fault', 'load', 'slo', 'slo', 'slo']);
  });

  it('is inconclusive, not a pass, when the fault did not land', () => {
    const { verdict, checks } = judge({ slos, stats: good, faults: [fault({ landed: false, evidence: 'toxic not listed' })], load });
    expect(verdict).toBe('inconclusive');
    expect(checks[0]?.why).toContain('toxic not listed');
  });

  it('is inconclusive when k6 dropped more than 1% of the offered iterations', () => {
    expect(loadCheck({ ...load, requestsSent: 450, droppedIterations: 50 }).status).toBe('inconclusive');
    expect(loadCheck({ ...load, requestsSent: 995, droppedIterations: 5 }).status).toBe('pass');
    expect(loadCheck({ ...load, k6ExitCode: 107 }).status).toBe('inconclusive');
  });

  it('fails over inconclusive, and an empty list of checks is never a pass', () => {
    expect(verdictOf([])).toBe('inconclusive');
    const { checks } = judge({ slos, stats: () => stats(50, 0, 50, [5]), faults: [fault({ landed: false })], load });
    expect(checks.map((c) => c.status)).toContain('inconclusive');
    expect(verdictOf(checks)).toBe('fail');
  });
});

describe('phaseWindows', () => {
  it('puts the fault phase between the real apply and remove times', () => {
    expect(phaseWindows([fault()], 10_000)).toEqual([
      { name: 'baseline', startMs: 0, endMs: 2010 },
      { name: 'fault', startMs: 2010, endMs: 5012 },
      { name: 'recovery', startMs: 5012, endMs: 15_000 },
    ]);
  });
  it('falls back to the schedule when a fault never applied', () => {
    const w = phaseWindows([fault({ appliedAtMs: null, removedAtMs: null })], 10_000);
    expect(w[1]).toEqual({ name: 'fault', startMs: 2000, endMs: 5000 });
  });
});

describe('no vacuous verdicts', () => {
  const slos = [availability({ endpoint: 'GET /products/:id', min: 0.99 })];
  const good = () => stats(100, 0, 0, [5]);

  it('is inconclusive when k6 dropped more than 1% of the offered iterations, and says so in numbers', () => {
    const { verdict, checks } = judge({ slos, stats: good, faults: [fault()], load: { ...load, requestsSent: 980, droppedIterations: 20 } });
    expect(verdict).toBe('inconclusive');
    expect(checks.find((c) => c.kind === 'load')).toMatchObject({ status: 'inconclusive', measured: 0.02, threshold: 0.01 });
    expect(checks.find((c) => c.kind === 'load')?.why).toContain(
      '980 requests sent, 20 iterations dropped (2.00%); over the 1% bound: the system did not get the load the scenario offers',
    );
  });

  it('is inconclusive when k6 sent nothing at all', () => {
    expect(judge({ slos, stats: good, faults: [fault()], load: { ...load, requestsSent: 0, droppedIterations: 0 } }).verdict).not.toBe('pass');
    expect(loadCheck({ ...load, requestsSent: 0, droppedIterations: 0 })).toMatchObject({ status: 'inconclusive', why: 'k6 sent no request at all' });
  });

  it('never passes a check that compared nothing (no measurement or no threshold)', () => {
    const passing = checkSlo(slos[0]!, 'fault', good());
    expect(comparesNothing(passing)).toBe(false);
    expect(comparesNothing({ ...passing, measured: null })).toBe(true);
    expect(comparesNothing({ ...passing, threshold: null })).toBe(true);
    expect(comparesNothing({ ...passing, measured: Number.NaN })).toBe(true);
    expect(verdictOf([{ ...passing, measured: null }])).toBe('inconclusive');
    expect(verdictOf([passing])).toBe('pass');
  });

  it('is inconclusive when a fault was scheduled but never applied', () => {
    const { verdict, checks } = judge({
      slos,
      stats: good,
      faults: [fault({ appliedAtMs: null, removedAtMs: null, landed: false, evidence: 'not applied' })],
      load,
    });
    expect(verdict).toBe('inconclusive');
    expect(checks[0]?.why).toContain('not applied');
  });
});
