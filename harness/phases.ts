// Adaptive phases: while the load runs, ends the baseline (applying the faults), the fault phase
// (removing them) and the recovery (stopping the load) as soon as every check of the phase is
// decided, never before its min and at the latest at its max. With abortOnFail, a check decided
// failing ends the run at once, faults removed first. The clock and every action are injected:
// run.ts wires the real ones, tests drive it with a fake clock.

import type { PhaseBounds } from './scenario.ts';
import type { PhaseName } from './types.ts';
import type { LiveJudgement } from './verdict/live.ts';

/** How a phase ended: its checks were decided, it reached its max, or a check failed (abortOnFail). */
export interface PhaseEnd {
  phase: PhaseName;
  /** ms since load start */
  endedAtMs: number;
  why: 'decided' | 'max' | 'failed';
  /** the checks still open at a max, or the one that failed */
  detail: string;
}

export interface PhaseDriverOptions {
  bounds: PhaseBounds;
  abortOnFail: boolean;
  /** judge `phase` over [fromMs, toMs) with what has been recorded */
  judge(phase: PhaseName, fromMs: number, toMs: number): LiveJudgement;
  /** apply every fault; resolves with the load-clock time they were applied */
  applyFaults(): Promise<number>;
  /** remove every fault; resolves with the load-clock time they were removed */
  removeFaults(): Promise<number>;
  /** every fault proved it landed: until then the fault phase cannot end early */
  faultsLanded(): boolean;
  /** ends the load (k6 SIGTERM) */
  stopLoad(): void;
  progress(line: string): void;
  /**
   * requests are recorded when they end, by the time they started: the end of the window judged at
   * `nowMs` for a phase that began at `fromMs`, such that every request in it has come back
   * (completeUntil below; without one, now − (k6's request timeout + a margin))
   */
  settledUntil(fromMs: number, nowMs: number): number;
}

/** The driver looks at a phase's checks once a second at most, in slots from the phase's min. */
export const LOOK_EVERY_MS = 1000;

/**
 * The confidence a live look judges at. Ending a phase at the first look whose interval is clear
 * of the objective is a repeated test: with k looks at 95 % each, the chance that one of them is
 * wrongly decided is up to k times 5 %. Bonferroni over the looks a phase can have (one a second
 * from min to max) keeps that chance within 1 − confidence; the final verdict is then judged at
 * the nominal confidence over the whole phase.
 */
export function liveConfidence(confidence: number, bounds: { minMs: number; maxMs: number; holdMs?: number }): number {
  const looks = Math.max(1, Math.floor((Math.max(bounds.maxMs, bounds.holdMs ?? 0) - bounds.minMs) / LOOK_EVERY_MS) + 1);
  return 1 - (1 - confidence) / looks;
}

/** A request's record reaches the harness at most this long after it ends (k6's sample flush + the output's 500 ms flush). */
export const STREAM_DELAY_MS = 700;
/** How far back completeUntil looks for a cut, at most, in steps of this much. */
const CUT_STEP_MS = 100;

/**
 * The latest end of a window [fromMs, toMs) whose base-load requests have all come back, at
 * `nowMs`. Requests are recorded when they end, by the time they started, so a window that ends at
 * now holds the fast requests and misses the slow ones still in flight: judging it would see the
 * survivors only. The base load is open-model at a constant rate, so a window of w ms was offered
 * rate × w / 1000 requests (less what k6 dropped): a cut is complete when that many have come back.
 * The latest such cut between now − STREAM_DELAY_MS and now − safeMs is taken; at now − safeMs
 * (k6's request timeout + a margin) every request has ended one way or another, so that cut is
 * always complete. `starts` are the base load's recorded start times, ascending; `dropped` the
 * iterations k6 could not start, by when. The offered count is known to ±1
 * (where the schedule's grid falls), so a cut may hide one request still in flight; the verdict
 * after the run judges every request.
 */
export function completeUntil(
  starts: readonly number[],
  dropped: readonly { tMs: number; count: number }[],
  ratePerSecond: number,
  fromMs: number,
  nowMs: number,
  safeMs: number,
): number {
  const floor = nowMs - safeMs;
  const countBelow = (xs: readonly number[], t: number): number => {
    let lo = 0;
    let hi = xs.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((xs[mid] as number) < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  for (let to = nowMs - STREAM_DELAY_MS; to > floor; to -= CUT_STEP_MS) {
    if (to <= fromMs) return fromMs;
    let lost = 0;
    for (const d of dropped) if (d.tMs >= fromMs && d.tMs < to) lost += d.count;
    const offered = Math.floor((ratePerSecond * (to - fromMs)) / 1000) - lost;
    if (countBelow(starts, to) - countBelow(starts, fromMs) >= offered) return to;
  }
  return Math.max(fromMs, floor);
}

export class PhaseDriver {
  phase: PhaseName | 'done' = 'baseline';
  private startMs = 0;
  /** when the next look is due: the phase's min, then every LOOK_EVERY_MS after it (looks keep to these slots) */
  private nextLookMs: number;
  private lastLook: { phase: PhaseName; j: LiveJudgement } | undefined;
  private busy = false;
  /** the current phase is past its max, held open by a recovery not seen yet */
  private held = false;
  readonly ends: PhaseEnd[] = [];
  private readonly o: PhaseDriverOptions;

  constructor(options: PhaseDriverOptions) {
    this.o = options;
    this.nextLookMs = options.bounds.baseline.minMs;
  }

  /** When the current phase reaches its max, on the load clock; undefined once done. */
  get maxAtMs(): number | undefined {
    return this.phase === 'done' ? undefined : this.startMs + this.o.bounds[this.phase].maxMs;
  }

  /**
   * The next moment a tick has something to do: the next look's slot or the phase's max, whichever
   * comes first (held past the max: the next look or the hold's end); undefined once done. A caller
   * that ticks at these moments (driveOnSlots) has looks fall on their slots (min, min + 1 s, …)
   * and a phase that runs to its max ends there, so a run's length does not depend on its timers.
   */
  get nextDueMs(): number | undefined {
    const maxAt = this.maxAtMs;
    if (maxAt === undefined) return undefined;
    // held past its max (a recovery not seen yet): its next look, or the hold's end
    if (this.held) return Math.min(this.startMs + (this.o.bounds[this.phase as PhaseName].holdMs ?? 0), this.nextLookMs);
    return Math.min(maxAt, this.nextLookMs);
  }

  /**
   * One look at the clock (ms since load start); call it every few hundred ms. Resolves false when
   * it did nothing because the previous tick had not finished (applying or removing faults).
   */
  async tick(nowMs: number): Promise<boolean> {
    if (this.phase === 'done') return true;
    if (this.busy) return false;
    this.busy = true;
    try {
      await this.step(nowMs);
    } finally {
      this.busy = false;
    }
    return true;
  }

  private async step(nowMs: number): Promise<void> {
    const phase = this.phase as PhaseName;
    const { minMs, maxMs } = this.o.bounds[phase];
    const elapsed = nowMs - this.startMs;
    if (elapsed >= maxMs) {
      const { holdMs } = this.o.bounds[phase];
      // past the max, a recovery not seen yet holds the phase open, up to its bound + one window,
      // looked at once a second like any other look (liveConfidence counts those looks)
      const mayHold = holdMs !== undefined && elapsed < holdMs;
      if (mayHold && nowMs < this.nextLookMs) {
        // at the max, less than a second after this phase's last look: that look says whether a
        // recovery is still open, so a recovered phase ends at its max, not up to a second later,
        // and without a look liveConfidence does not count
        const last = this.lastLook;
        if (last === undefined || last.phase !== phase || last.j.open.some((c) => c.kind === 'recovery')) {
          this.held = true;
          return;
        }
        return this.end(phase, nowMs, 'max', last.j.open.length === 0 ? 'every check decided at the max' : `still open: ${describe(last.j.open)}`);
      }
      this.looked(nowMs);
      const j = this.judge(phase, nowMs);
      const holding = mayHold && j.open.some((c) => c.kind === 'recovery');
      if (!holding) return this.end(phase, nowMs, 'max', j.open.length === 0 ? 'every check decided at the max' : `still open: ${describe(j.open)}`);
      if (this.o.abortOnFail && j.failing.length > 0) return this.end(phase, nowMs, 'failed', describe(j.failing));
      this.held = true;
      return;
    }
    if (elapsed < minMs) return;
    if (phase === 'fault' && !this.o.faultsLanded()) return;
    if (nowMs < this.nextLookMs) return;
    this.looked(nowMs);
    const j = this.judge(phase, nowMs);
    if (this.o.abortOnFail && j.failing.length > 0) return this.end(phase, nowMs, 'failed', describe(j.failing));
    if (j.decided) return this.end(phase, nowMs, 'decided', `${j.checks.length} checks decided`);
  }

  /** a look taken at nowMs: the next is due at the first slot after it */
  private looked(nowMs: number): void {
    this.nextLookMs += LOOK_EVERY_MS * (Math.floor(Math.max(0, nowMs - this.nextLookMs) / LOOK_EVERY_MS) + 1);
  }

  private judge(phase: PhaseName, nowMs: number): LiveJudgement {
    const j = this.o.judge(phase, this.startMs, Math.max(this.startMs, this.o.settledUntil(this.startMs, nowMs)));
    this.lastLook = { phase, j };
    return j;
  }

  private async end(phase: PhaseName, nowMs: number, why: PhaseEnd['why'], detail: string): Promise<void> {
    this.ends.push({ phase, endedAtMs: Math.round(nowMs), why, detail });
    this.held = false;
    this.o.progress(
      `${phase} phase ends at ${(nowMs / 1000).toFixed(1)} s: ${why === 'decided' ? 'decided' : why === 'max' ? 'its max' : 'a check decided failing (abortOnFail)'} — ${detail}`,
    );
    if (why === 'failed') {
      this.phase = 'done';
      if (phase !== 'baseline') await this.o.removeFaults();
      this.o.stopLoad();
      return;
    }
    if (phase === 'baseline') {
      this.startMs = await this.o.applyFaults();
      this.phase = 'fault';
      this.nextLookMs = this.startMs + this.o.bounds.fault.minMs;
    } else if (phase === 'fault') {
      this.startMs = await this.o.removeFaults();
      this.phase = 'recovery';
      this.nextLookMs = this.startMs + this.o.bounds.recovery.minMs;
    } else {
      this.phase = 'done';
      this.o.stopLoad();
    }
  }
}

const describe = (checks: readonly { name: string; phase?: string; endpoint?: string }[]): string =>
  checks
    .slice(0, 3)
    .map((c) => `${c.name}${c.endpoint ? ` [${c.endpoint}]` : ''}`)
    .join('; ') + (checks.length > 3 ? ` (+${checks.length - 3} more)` : '');

/** The timers driveOnSlots uses: Node's own, or a test's. */
export interface SlotTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const nodeTimers: SlotTimers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout | undefined),
};

/** How often driveOnSlots ticks while the driver is due but cannot act yet (a fault not proven landed). */
export const TICK_EVERY_MS = 250;

/**
 * Ticks `driver` at each moment it says is due (`nextDueMs`), and no more: looks fall on their slots
 * and a phase that runs to its max ends there, so a run's length (and its request count) does not
 * depend on a timer grid. When a due tick could not act (the fault phase's look waits for its
 * proof), it ticks again every TICK_EVERY_MS until it does. A due timer can fire a little before
 * its moment on `clock`: Node times it from libuv's loop time, cached when the loop turn began, and
 * `clock` reads the wall clock; such a timer is set again for what is left, since a tick then would
 * do nothing. Returns the stop function.
 */
export function driveOnSlots(driver: PhaseDriver, clock: () => number, onError: (error: Error) => void, timers: SlotTimers = nodeTimers): () => void {
  let armedFor = 0; // set by every arm(), before its timer can fire
  let due: unknown;
  let stopped = false;
  const arm = (atMs: number): void => {
    armedFor = atMs;
    timers.clearTimeout(due);
    due = timers.setTimeout(dueTick, Math.max(0, atMs - clock()) + 1);
  };
  const armNext = (): void => {
    const at = driver.nextDueMs;
    if (stopped || at === undefined) return;
    const now = clock();
    // due already and the tick could not act on it (or found the previous one still running): again shortly
    arm(at > now ? at : now + TICK_EVERY_MS);
  };
  function dueTick(): void {
    if (stopped) return;
    if (clock() < armedFor) return arm(armedFor);
    void driver.tick(clock()).then(armNext, onError);
  }
  armNext();
  return () => {
    stopped = true;
    timers.clearTimeout(due);
  };
}
