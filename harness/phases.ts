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

/** The driver looks at a phase's checks at most once a second. */
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

/** A request's record reaches the harness at most this long after it ends (k6's sample flush + the output's 100 ms flush). */
export const STREAM_DELAY_MS = 300;
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
  private lastLookMs = -Infinity;
  private busy = false;
  readonly ends: PhaseEnd[] = [];
  private readonly o: PhaseDriverOptions;

  constructor(options: PhaseDriverOptions) {
    this.o = options;
  }

  /** One look at the clock (ms since load start); call it every few hundred ms. */
  async tick(nowMs: number): Promise<void> {
    if (this.busy || this.phase === 'done') return;
    this.busy = true;
    try {
      await this.step(nowMs);
    } finally {
      this.busy = false;
    }
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
      if (mayHold && nowMs - this.lastLookMs < LOOK_EVERY_MS) return;
      this.lastLookMs = nowMs;
      const j = this.judge(phase, nowMs);
      const holding = mayHold && j.open.some((c) => c.kind === 'recovery');
      if (!holding) return this.end(phase, nowMs, 'max', j.open.length === 0 ? 'every check decided at the max' : `still open: ${describe(j.open)}`);
      if (this.o.abortOnFail && j.failing.length > 0) return this.end(phase, nowMs, 'failed', describe(j.failing));
      return;
    }
    if (elapsed < minMs) return;
    if (phase === 'fault' && !this.o.faultsLanded()) return;
    if (nowMs - this.lastLookMs < LOOK_EVERY_MS) return;
    this.lastLookMs = nowMs;
    const j = this.judge(phase, nowMs);
    if (this.o.abortOnFail && j.failing.length > 0) return this.end(phase, nowMs, 'failed', describe(j.failing));
    if (j.decided) return this.end(phase, nowMs, 'decided', `${j.checks.length} checks decided`);
  }

  private judge(phase: PhaseName, nowMs: number): LiveJudgement {
    return this.o.judge(phase, this.startMs, Math.max(this.startMs, this.o.settledUntil(this.startMs, nowMs)));
  }

  private async end(phase: PhaseName, nowMs: number, why: PhaseEnd['why'], detail: string): Promise<void> {
    this.ends.push({ phase, endedAtMs: Math.round(nowMs), why, detail });
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
    } else if (phase === 'fault') {
      this.startMs = await this.o.removeFaults();
      this.phase = 'recovery';
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
