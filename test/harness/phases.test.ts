// Adaptive phases: a scenario's phases { min, max } are validated at the edge, and the driver ends
// each phase when its checks are decided (never before min, at the latest at max), applies and
// removes the faults itself, and with abortOnFail stops on a decided failure, faults removed first.

import { describe, expect, it } from 'vitest';
import { defineScenario, faults, recoversWithin, slo } from '../../harness/define.ts';
import { Recording } from '../../harness/load/recording.ts';
import { completeUntil, driveOnSlots, liveConfidence, PhaseDriver, type PhaseDriverOptions, type SlotTimers, STREAM_DELAY_MS } from '../../harness/phases.ts';
import { ScenarioError, validateScenario } from '../../harness/scenario.ts';
import type { CheckResult, PhaseName } from '../../harness/types.ts';
import { judgePhaseLive, type LiveJudgement } from '../../harness/verdict/live.ts';
import { shop } from '../helpers/systems.ts';
import { makeCheck } from '../report/fixture.ts';

const adaptive = (): Record<string, unknown> =>
  structuredClone(
    defineScenario({
      system: 'shop',
      name: 'x-adaptive',
      description: 'a test scenario with adaptive phases',
      load: { rate: 20, mix: { 'GET /products/:id': 1 } },
      phases: { baseline: { min: '4s', max: '8s' }, fault: { min: '6s', max: '12s' }, recovery: { min: '10s', max: '10s' } },
      abortOnFail: true,
      faults: [{ fault: faults.latency({ edge: 'catalog->postgres', ms: 400 }) }],
      slos: [slo.availability({ endpoint: 'GET /products/:id', min: 0.99 })],
      cascade: [recoversWithin('GET /products/:id', '5s')],
      protectedBy: ['breaker'],
    }),
  ) as unknown as Record<string, unknown>;

function problems(raw: Record<string, unknown>): string[] {
  try {
    validateScenario(raw, 'scenarios/x-adaptive.ts', shop);
  } catch (error) {
    if (error instanceof ScenarioError) return error.problems;
    throw error;
  }
  return [];
}

describe('phases { min, max } in a scenario', () => {
  it('runs the load for the sum of the maxima and spans every fault over the fault phase', () => {
    const s = validateScenario(adaptive(), 'scenarios/x-adaptive.ts', shop);
    expect(s.durationMs).toBe(30_000);
    expect(s.adaptive?.fault).toEqual({ minMs: 6000, maxMs: 12_000 });
    expect(s.schedule[0]).toMatchObject({ atMs: 8000, forMs: 12_000 });
  });

  it('refuses load.duration and a fault with at/for beside phases', () => {
    const raw = adaptive();
    (raw.load as Record<string, unknown>).duration = '30s';
    (raw.faults as Record<string, unknown>[])[0] = { ...(raw.faults as Record<string, unknown>[])[0], at: '8s', for: '12s' };
    const found = problems(raw);
    expect(found.some((p) => /load\.duration must be left out with phases/.test(p))).toBe(true);
    expect(found.some((p) => /faults\[0\] gives at\/for, but the scenario gives phases/.test(p))).toBe(true);
  });

  it('refuses a min longer than its max, and a recovery too short for its recoversWithin', () => {
    const raw = adaptive();
    (raw.phases as Record<string, unknown>).fault = { min: '12s', max: '6s' };
    (raw.phases as Record<string, unknown>).recovery = { min: '4s', max: '6s' };
    const found = problems(raw);
    expect(found).toContain('scenarios/x-adaptive.ts: phases.fault min "12s" is longer than max "6s"');
    expect(found.some((p) => /cascade\[0\]\.within needs a recovery phase of at least one 5 s window that holds; phases.recovery.min is 4 s/.test(p))).toBe(
      true,
    );
  });

  it('holds the recovery open to its bound + one window, and scripts the load that long', () => {
    const raw = adaptive();
    (raw.phases as Record<string, unknown>).recovery = { min: '5s', max: '6s' };
    const spec = validateScenario(raw, 'scenarios/x-adaptive.ts', shop);
    expect(spec.adaptive?.recovery).toEqual({ minMs: 5000, maxMs: 6000, holdMs: 10_000 });
    expect(spec.durationMs).toBe((spec.adaptive?.baseline.maxMs ?? 0) + (spec.adaptive?.fault.maxMs ?? 0) + 10_000);
  });

  it('refuses a load-shaped fault, whose traffic k6 schedules ahead', () => {
    const raw = adaptive();
    raw.faults = [{ fault: faults.loadSpike({ rate: 100 }) }];
    expect(problems(raw).some((p) => /is load-shaped: k6 schedules its traffic/.test(p))).toBe(true);
  });

  it('refuses abortOnFail without phases', () => {
    const raw = adaptive();
    delete raw.phases;
    (raw.load as Record<string, unknown>).duration = '30s';
    raw.faults = [{ at: '8s', for: '12s', fault: faults.latency({ edge: 'catalog->postgres', ms: 400 }) }];
    expect(problems(raw).some((p) => /abortOnFail needs phases/.test(p))).toBe(true);
  });
});

/** A driver over a scripted judge: `verdicts(phase, toMs)` says what the checks look like then. */
function driver(verdicts: (phase: PhaseName, toMs: number) => Partial<LiveJudgement>, over: Partial<PhaseDriverOptions> = {}) {
  const log: string[] = [];
  let landed = true;
  const d = new PhaseDriver({
    bounds: { baseline: { minMs: 4000, maxMs: 8000 }, fault: { minMs: 6000, maxMs: 12_000 }, recovery: { minMs: 5000, maxMs: 10_000 } },
    abortOnFail: false,
    settledUntil: (_from, nowMs) => nowMs - 2500,
    judge: (phase, _from, toMs) => ({ checks: [], decided: false, failing: [], open: [makeCheck()], ...verdicts(phase, toMs) }),
    applyFaults: async () => (log.push('apply'), now),
    removeFaults: async () => (log.push('remove'), now),
    faultsLanded: () => landed,
    stopLoad: () => void log.push('stop'),
    progress: () => undefined,
    ...over,
  });
  let now = 0;
  const runTo = async (endMs: number): Promise<void> => {
    for (; now <= endMs; now += 250) await d.tick(now);
  };
  return { d, log, runTo, setLanded: (v: boolean) => (landed = v) };
}

const decided = (c: CheckResult[] = [makeCheck()]): Partial<LiveJudgement> => ({ checks: c, decided: true, open: [] });

describe('completeUntil', () => {
  // 100 req/s from 0: request k starts at 10k + 2 ms and takes `took(k)` ms; what has come back by `now`
  const starts = (now: number, took: (k: number) => number): number[] => {
    const out: number[] = [];
    for (let k = 0; 10 * k + 2 < now; k++) if (10 * k + 2 + took(k) <= now) out.push(10 * k + 2);
    return out;
  };

  it('cuts just behind the stream delay when every request has come back', () => {
    expect(
      completeUntil(
        starts(5000, () => 5),
        [],
        100,
        0,
        5000,
        2500,
      ),
    ).toBe(5000 - STREAM_DELAY_MS);
  });

  it('cuts before a slow request still in flight, not after it', () => {
    // request 300 (t = 3002 ms) takes 1.5 s: at 4000 ms it has not come back
    const cut = completeUntil(
      starts(4000, (k) => (k === 300 ? 1500 : 5)),
      [],
      100,
      0,
      4000,
      2500,
    );
    expect(cut).toBeLessThanOrEqual(3002);
    expect(cut).toBeGreaterThan(2900);
  });

  it('counts iterations k6 dropped as offered but never coming back', () => {
    // requests 200-209 were never started (k6 dropped them): without that, no cut after 2000 is complete
    const s = starts(5000, () => 5).filter((t) => t < 2000 || t >= 2100);
    expect(completeUntil(s, [], 100, 0, 5000, 2500)).toBe(2500);
    expect(completeUntil(s, [{ tMs: 2001, count: 10 }], 100, 0, 5000, 2500)).toBe(5000 - STREAM_DELAY_MS);
  });

  it('falls back to now − safeMs, and never before the phase began', () => {
    expect(completeUntil([], [], 100, 0, 5000, 2500)).toBe(2500);
    expect(completeUntil([], [], 100, 4000, 5000, 2500)).toBe(4000);
  });

  it('counts only the window from the phase start', () => {
    const s = starts(9000, (k) => (k === 100 ? 1_000_000 : 5)); // one lost long ago, before this phase
    expect(completeUntil(s, [], 100, 6000, 9000, 2500)).toBe(9000 - STREAM_DELAY_MS);
  });
});

describe('liveConfidence', () => {
  it('spreads 1 − confidence over the looks a phase can have (Bonferroni)', () => {
    expect(liveConfidence(0.95, { minMs: 6000, maxMs: 12_000 })).toBeCloseTo(1 - 0.05 / 7, 12);
    expect(liveConfidence(0.95, { minMs: 10_000, maxMs: 10_000 })).toBe(0.95);
    // a recovery held open past its max looks that much longer
    expect(liveConfidence(0.95, { minMs: 5000, maxMs: 6000, holdMs: 10_000 })).toBeCloseTo(1 - 0.05 / 6, 12);
  });
});

describe('PhaseDriver', () => {
  it('never ends a phase before its min, even when decided at once', async () => {
    const { d, log, runTo } = driver(() => decided());
    await runTo(3750);
    expect(log).toEqual([]);
    await runTo(4000);
    expect(log).toEqual(['apply']);
    expect(d.ends[0]).toMatchObject({ phase: 'baseline', endedAtMs: 4000, why: 'decided' });
  });

  it('ends each phase at its max when its checks stay open, and stops the load at the end', async () => {
    const { d, log, runTo } = driver(() => ({}));
    await runTo(31_000);
    expect(log).toEqual(['apply', 'remove', 'stop']);
    expect(d.ends.map((e) => [e.phase, e.endedAtMs, e.why])).toEqual([
      ['baseline', 8000, 'max'],
      ['fault', 20_000, 'max'],
      ['recovery', 30_000, 'max'],
    ]);
    expect(d.ends[0]?.detail).toMatch(/still open: availability/);
  });

  it('says when the current phase reaches its max, off the tick grid, and ends it there when ticked then', async () => {
    // the fault applied at 8,100 ms: a 250 ms grid would end its phase at 20,250, not at 20,100
    let now = 0;
    const d = new PhaseDriver({
      bounds: { baseline: { minMs: 4000, maxMs: 8000 }, fault: { minMs: 6000, maxMs: 12_000 }, recovery: { minMs: 5000, maxMs: 10_000 } },
      abortOnFail: false,
      settledUntil: (_from, nowMs) => nowMs - 2500,
      judge: () => ({ checks: [], decided: false, failing: [], open: [makeCheck()] }),
      applyFaults: async () => now + 100,
      removeFaults: async () => now,
      faultsLanded: () => true,
      stopLoad: () => undefined,
      progress: () => undefined,
    });
    expect(d.maxAtMs).toBe(8000);
    for (; now <= 8000; now += 250) await d.tick(now);
    expect(d.maxAtMs).toBe(20_100);
    for (; now < 20_100; now += 250) await d.tick(now);
    now = 20_100;
    await d.tick(now);
    expect(d.ends[1]).toMatchObject({ phase: 'fault', endedAtMs: 20_100, why: 'max' });
    expect(d.maxAtMs).toBe(30_100);
  });

  it('ends a recovery that may hold at its max when the last look (under a second old) saw it recovered', async () => {
    const run = async (recovered: boolean): Promise<{ d: PhaseDriver; maxAt: number }> => {
      let now = 0;
      const recovery = makeCheck({ kind: 'recovery', name: 'recovers within 5s' });
      const d = new PhaseDriver({
        bounds: { baseline: { minMs: 1000, maxMs: 1000 }, fault: { minMs: 1000, maxMs: 1000 }, recovery: { minMs: 1000, maxMs: 2000, holdMs: 8000 } },
        abortOnFail: false,
        settledUntil: (_from, nowMs) => nowMs,
        judge: (phase) => ({ checks: [], decided: false, failing: [], open: phase === 'recovery' && !recovered ? [recovery] : [makeCheck()] }),
        applyFaults: async () => now + 100,
        removeFaults: async () => now + 100,
        faultsLanded: () => true,
        stopLoad: () => undefined,
        progress: () => undefined,
      });
      for (; d.phase !== 'recovery'; now += 250) await d.tick(now);
      const maxAt = d.maxAtMs as number;
      for (; now < maxAt; now += 250) await d.tick(now);
      now = maxAt;
      await d.tick(now); // its last look, on the grid, was less than a second before
      return { d, maxAt };
    };
    const recovered = await run(true);
    expect(recovered.maxAt % 250).not.toBe(0); // the max is off the tick grid
    expect(recovered.d.ends[2]).toMatchObject({ phase: 'recovery', endedAtMs: recovered.maxAt, why: 'max' });
    expect(recovered.d.phase).toBe('done');
    const open = await run(false);
    expect(open.d.phase).toBe('recovery'); // still held: its recovery was open at the last look
  });

  it('says when a tick did nothing because the previous one was still applying the faults', async () => {
    let release = (): void => undefined;
    const applying = new Promise<void>((r) => (release = r));
    const { d } = driver(() => ({}), { applyFaults: async () => (await applying, 8000) });
    for (let now = 0; now < 8000; now += 250) expect(await d.tick(now)).toBe(true);
    const atMax = d.tick(8000); // ends the baseline, and waits on the faults
    expect(await d.tick(8010)).toBe(false);
    release();
    expect(await atMax).toBe(true);
    expect(d.phase).toBe('fault');
  });

  it('ends the fault phase only once the fault proved it landed', async () => {
    const { d, runTo, setLanded } = driver((phase) => (phase === 'fault' ? decided() : {}));
    setLanded(false);
    await runTo(17_000);
    expect(d.phase).toBe('fault');
    setLanded(true);
    await runTo(17_250);
    // the first look after it landed (looks are a second apart)
    expect(d.ends[1]?.phase).toBe('fault');
    expect(d.ends[1]?.endedAtMs).toBeGreaterThanOrEqual(17_250);
    expect(d.ends[1]?.endedAtMs).toBeLessThanOrEqual(18_000);
  });

  it('judges the window up to what settledUntil says has come back', async () => {
    const windows: number[] = [];
    const { runTo } = driver((_p, toMs) => (windows.push(toMs), {}));
    await runTo(4000);
    expect(windows).toEqual([1500]);
  });

  it('past the recovery max, holds the phase while its recovery is unseen, up to holdMs', async () => {
    const recovery = makeCheck({ kind: 'recovery', name: 'recovers within 5s', status: 'fail' });
    let seenAt = Infinity;
    const bounds = { baseline: { minMs: 4000, maxMs: 4000 }, fault: { minMs: 4000, maxMs: 4000 }, recovery: { minMs: 5000, maxMs: 6000, holdMs: 10_000 } };
    const looks: number[] = [];
    const { d, runTo } = driver(
      (phase, toMs) => (phase === 'recovery' && looks.push(toMs), phase === 'recovery' && toMs < seenAt ? { open: [recovery] } : {}),
      { bounds },
    );
    // the recovery phase starts at 8 s; its window lags now by the driver's 2.5 s settle: seen at
    // now = 15 s, 7 s into the phase, after its max and before its hold
    seenAt = 15_000 - 2500;
    await runTo(30_000);
    expect(d.ends[2]).toMatchObject({ phase: 'recovery', why: 'max' });
    expect(d.ends[2]?.endedAtMs).toBeGreaterThanOrEqual(15_000);
    expect(d.ends[2]?.endedAtMs).toBeLessThan(15_500);
    // held, it still looks once a second (the looks liveConfidence counts), not at every tick
    for (let i = 1; i < looks.length; i++) expect((looks[i] as number) - (looks[i - 1] as number)).toBeGreaterThanOrEqual(1000);
  });

  it('ends the recovery at its hold when the recovery is never seen', async () => {
    const recovery = makeCheck({ kind: 'recovery', name: 'recovers within 5s', status: 'fail' });
    const bounds = { baseline: { minMs: 4000, maxMs: 4000 }, fault: { minMs: 4000, maxMs: 4000 }, recovery: { minMs: 5000, maxMs: 6000, holdMs: 10_000 } };
    const { d, runTo } = driver((phase) => (phase === 'recovery' ? { open: [recovery] } : {}), { bounds });
    await runTo(30_000);
    expect(d.ends[2]).toMatchObject({ phase: 'recovery', endedAtMs: 18_000, why: 'max' });
  });

  it('ends the recovery at its max when only SLO checks are open', async () => {
    const bounds = { baseline: { minMs: 4000, maxMs: 4000 }, fault: { minMs: 4000, maxMs: 4000 }, recovery: { minMs: 5000, maxMs: 6000, holdMs: 10_000 } };
    const { d, runTo } = driver(() => ({}), { bounds });
    await runTo(30_000);
    expect(d.ends[2]).toMatchObject({ phase: 'recovery', endedAtMs: 14_000, why: 'max' });
  });

  it('with abortOnFail, removes the faults and stops the load on a decided failure', async () => {
    const failing = makeCheck({ status: 'fail', marginal: false, name: 'availability >= 0.99' });
    const { d, log, runTo } = driver((phase) => (phase === 'fault' ? { failing: [failing] } : {}), { abortOnFail: true });
    await runTo(20_000);
    expect(log).toEqual(['apply', 'remove', 'stop']);
    expect(d.ends[1]).toMatchObject({ phase: 'fault', endedAtMs: 14_000, why: 'failed' });
    expect(d.phase).toBe('done');
  });

  it('without abortOnFail, a decided failure waits for the phase to be decided as a whole', async () => {
    const failing = makeCheck({ status: 'fail', marginal: false });
    const { d, runTo } = driver((phase) => (phase === 'fault' ? { failing: [failing] } : {}));
    await runTo(15_000);
    expect(d.phase).toBe('fault');
  });
});

/**
 * Node's timers as libuv runs them: a delay counts from the loop's time, cached when the timer
 * that is running fired, while the wall clock (`clock`) moves on with the work done since
 * (`work(ms)`). A timer set after some work therefore fires that much before its moment.
 */
function loopTimers() {
  let wall = 0;
  let loopTime = 0;
  let seq = 0;
  const pending = new Map<number, { at: number; fn: () => void }>();
  const timers: SlotTimers = {
    setTimeout: (fn, ms) => (pending.set(++seq, { at: loopTime + ms, fn }), seq),
    clearTimeout: (h) => void pending.delete(h as number),
  };
  const runUntil = async (endMs: number): Promise<void> => {
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const e of pending) if (next === undefined || e[1].at < next[1].at) next = e;
      if (next === undefined || next[1].at > endMs) break;
      const [id, t] = next;
      loopTime = t.at;
      wall = Math.max(wall, t.at);
      pending.delete(id);
      t.fn();
      await new Promise((r) => setImmediate(r)); // the tick's promises settle in the same loop turn
    }
  };
  return { timers, clock: () => wall, work: (ms: number) => void (wall += ms), runUntil, pending: () => pending.size };
}

describe('driveOnSlots', () => {
  const bounds = { baseline: { minMs: 3000, maxMs: 4000 }, fault: { minMs: 4000, maxMs: 6000 }, recovery: { minMs: 5000, maxMs: 6000, holdMs: 10_000 } };
  const drive = (open: (phase: PhaseName, nowMs: number) => LiveJudgement['open'], landed: () => boolean = () => true) => {
    const t = loopTimers();
    const looks: number[] = [];
    let ticks = 0;
    const d = new PhaseDriver({
      bounds,
      abortOnFail: false,
      settledUntil: (_from, nowMs) => nowMs,
      judge: (phase, _from, toMs) => {
        t.work(3); // a look costs the loop a few ms
        looks.push(toMs);
        return { checks: [], decided: false, failing: [], open: open(phase, toMs) };
      },
      // Toxiproxy takes 37 ms: the fault phase and the recovery start off the 250 ms grid
      applyFaults: async () => (t.work(37), t.clock()),
      removeFaults: async () => (t.work(37), t.clock()),
      faultsLanded: landed,
      stopLoad: () => undefined,
      progress: () => undefined,
    });
    const tick = d.tick.bind(d);
    d.tick = (nowMs) => (ticks++, tick(nowMs));
    const stop = driveOnSlots(
      d,
      t.clock,
      (e) => {
        throw e;
      },
      t.timers,
    );
    return { d, t, looks, stop, ticks: () => ticks };
  };

  it('ends a phase at its max, off the grid, though its timer fires early on the wall clock', async () => {
    const { d, t, stop } = drive(() => [makeCheck()]);
    await t.runUntil(30_000);
    const [baseline, fault, recovery] = d.ends;
    expect(baseline?.endedAtMs).toBeGreaterThanOrEqual(4000);
    expect(baseline?.endedAtMs).toBeLessThanOrEqual(4002);
    // each phase ends within 2 ms of its max, not at the next 250 ms tick
    expect((fault?.endedAtMs ?? 0) - (baseline?.endedAtMs ?? 0) - 6000).toBeGreaterThanOrEqual(37);
    expect((fault?.endedAtMs ?? 0) - (baseline?.endedAtMs ?? 0) - 6000).toBeLessThanOrEqual(37 + 3 + 2);
    expect((recovery?.endedAtMs ?? 0) - (fault?.endedAtMs ?? 0) - 6000).toBeLessThanOrEqual(37 + 3 + 2);
    stop();
    expect(t.pending()).toBe(0);
  });

  it('ticks only when something is due: about once a second, not on a grid', async () => {
    const { d, t, ticks, stop } = drive(() => [makeCheck()]);
    await t.runUntil(30_000);
    expect(d.phase).toBe('done');
    // 16 s of load: the baseline's look at its min and its max (3, 4 s), the fault phase's looks at
    // 4 and 5 s and its max at 6 s, the recovery's look at 5 s and its max at 6 s (a 250 ms grid
    // ticked 64 times)
    expect(ticks()).toBe(7);
    stop();
  });

  it('looks again every 250 ms while the fault phase waits for its proof, and looks once it landed', async () => {
    let landed = false;
    const { d, t, looks, stop } = drive(
      () => [makeCheck()],
      () => landed,
    );
    await t.runUntil(9_500); // the fault phase's first look (4 s into it) is due; its proof has not come
    expect(d.phase).toBe('fault');
    const before = looks.length;
    landed = true;
    await t.runUntil(9_800);
    expect(looks.length).toBe(before + 1);
    expect(looks[before]).toBeGreaterThan(9_500);
    expect(looks[before]).toBeLessThanOrEqual(9_500 + 250 + 5);
    stop();
  });

  it("held past the recovery max, looks on the phase's slots, not on the grid", async () => {
    let seenAtMs = Infinity;
    const recovery = makeCheck({ kind: 'recovery', name: 'recovers within 5s', status: 'fail' });
    const { d, t, looks, stop } = drive((phase, nowMs) => (phase === 'recovery' && nowMs < seenAtMs ? [recovery] : []));
    await t.runUntil(12_000);
    const recoveryStart = (d.ends[1]?.endedAtMs ?? 0) + 40;
    seenAtMs = recoveryStart + 7500; // seen between the look slots at 7 s and 8 s into the phase
    await t.runUntil(30_000);
    expect(d.ends[2]?.why).toBe('max');
    // ended at the 8 s look slot (within a few ms), not on the grid up to 250 ms after it
    expect((d.ends[2]?.endedAtMs ?? 0) - recoveryStart - 8000).toBeGreaterThanOrEqual(-2);
    expect((d.ends[2]?.endedAtMs ?? 0) - recoveryStart - 8000).toBeLessThanOrEqual(5);
    // every look past the first of the phase is a second after the one before
    const late = looks.filter((ms) => ms > recoveryStart + 5500);
    for (let i = 1; i < late.length; i++) expect((late[i] as number) - (late[i - 1] as number)).toBeGreaterThanOrEqual(997);
    stop();
  });
});

describe('judgePhaseLive', () => {
  const spec = validateScenario(adaptive(), 'scenarios/x-adaptive.ts', shop);
  const recorded = (n: number, errorsEvery: number): Recording => {
    const r = new Recording();
    for (let i = 0; i < n; i++)
      r.add({
        tMs: i * 10,
        endpoint: 'GET /products/:id',
        tenant: 'acme',
        outcome: errorsEvery > 0 && i % errorsEvery === 0 ? 'error' : 'ok',
        status: 200,
        latencyMs: 5,
      });
    return r;
  };
  const judgeOver = (r: Recording, toMs: number) =>
    judgePhaseLive({
      scenario: spec,
      phase: 'baseline',
      fromMs: 0,
      toMs,
      stats: r.stats.bind(r),
      statuses: r.statuses.bind(r),
      snapshots: [],
      series: { entry: 'gateway' },
      confidence: 0.95,
    });

  it('leaves a clean phase open until enough requests decide it', () => {
    const r = recorded(1000, 0);
    expect(judgeOver(r, 3000).decided).toBe(false); // 300 ok: [0.9874, 1] straddles 0.99
    expect(judgeOver(r, 6000).decided).toBe(true); // 600 ok: [0.9936, 1]
  });

  it('reports a decided failure as failing, not as open', () => {
    const j = judgeOver(recorded(1000, 5), 6000); // 80 % answered
    expect(j.failing.map((c) => c.name)).toEqual(['availability >= 0.99']);
    expect(j.open).toEqual([]);
  });

  it('never decides a phase with no samples', () => {
    expect(judgeOver(new Recording(), 6000).decided).toBe(false);
  });

  it('takes each slice once per look: the same verdict from fewer scans of the recording', () => {
    const r = recorded(1000, 0);
    const asked: string[] = [];
    // an endpoint's availability and latency SLOs read the same slice
    const two = validateScenario(
      {
        ...adaptive(),
        slos: [slo.availability({ endpoint: 'GET /products/:id', min: 0.99 }), slo.latency({ endpoint: 'GET /products/:id', p: 99, maxMs: 300 })],
      },
      'scenarios/x-adaptive.ts',
      shop,
    );
    const j = judgePhaseLive({
      scenario: two,
      phase: 'baseline',
      fromMs: 0,
      toMs: 6000,
      stats: (f) => {
        asked.push(JSON.stringify(f));
        return r.stats(f);
      },
      statuses: r.statuses.bind(r),
      snapshots: [],
      series: { entry: 'gateway' },
      confidence: 0.95,
    });
    expect(j.checks.map((c) => `${c.name}: ${c.status}`)).toEqual(['availability >= 0.99: pass', 'p99 latency <= 300 ms: pass']);
    expect(asked).toHaveLength(1);
  });
});
