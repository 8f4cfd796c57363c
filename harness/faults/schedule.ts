// Applies and removes a scenario's faults on the load clock, once for every fault kind: timing,
// proof that each landed, and removal on every exit path (removeAll is safe to call any time).

import type { StartedStack } from '../runtime/types.ts';
import type { FaultRecord } from '../types.ts';
import { keepLeases, type LeaseKeeper } from './lease.ts';
import { FAULTS } from './registry.ts';
import type { ActiveFault, FaultSpec } from './types.ts';

export interface ScheduledFaultSpec {
  atMs: number;
  forMs: number;
  fault: FaultSpec;
}

export interface FaultEvents {
  progress(line: string): void;
  /** an apply or remove that threw: the run is a harness failure, not a verdict */
  failed(error: Error): void;
  /**
   * a phase boundary: called just before a fault is applied or removed, and again once it is (the
   * scraper reads every counter on both sides of it); must return at once
   */
  boundary?(): void;
}

export class FaultSchedule {
  readonly records: FaultRecord[];
  private readonly active = new Map<number, ActiveFault>();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly pending = new Set<Promise<void>>();
  private closed = false;
  private loadStartEpochMs = 0;
  /** renews the lease of every toxic the faults hold, so none outlives a dead harness (lease.ts) */
  private leases: LeaseKeeper | undefined;

  private readonly stack: StartedStack;
  private readonly specs: readonly ScheduledFaultSpec[];
  private readonly events: FaultEvents;
  private readonly now: () => number;

  constructor(stack: StartedStack, specs: readonly ScheduledFaultSpec[], events: FaultEvents, now: () => number = Date.now) {
    this.stack = stack;
    this.specs = specs;
    this.events = events;
    this.now = now;
    this.records = specs.map((s, i) => {
      const module = FAULTS[s.fault.kind];
      if (module === undefined) throw new Error(`unknown fault kind ${s.fault.kind}`);
      return {
        id: `faultline-${i}-${s.fault.kind}`,
        kind: s.fault.kind,
        target: module.target(s.fault.params),
        description: module.describe(s.fault.params),
        scheduledAtMs: s.atMs,
        scheduledForMs: s.forMs,
        appliedAtMs: null,
        removedAtMs: null,
        landed: false,
        evidence: 'not applied',
      };
    });
  }

  /**
   * Starts the clock: `loadStartEpochMs` is when the load generator began. Timed (the default):
   * each fault is applied and removed at its scheduled times. Driven: nothing happens on its own;
   * the harness calls applyNow() and removeNow() when its live judgement ends a phase.
   */
  start(loadStartEpochMs: number, mode: 'timed' | 'driven' = 'timed'): void {
    this.loadStartEpochMs = loadStartEpochMs;
    this.leases = keepLeases(this.stack.toxiproxyUrl, { progress: (line) => this.events.progress(line) });
    if (mode === 'driven') return;
    this.specs.forEach((spec, i) => {
      const delay = (ms: number): number => Math.max(0, loadStartEpochMs + ms - this.now());
      this.timers.push(setTimeout(() => this.track(this.apply(i)), delay(spec.atMs)));
      this.timers.push(setTimeout(() => this.track(this.remove(i)), delay(spec.atMs + spec.forMs)));
    });
  }

  /** Applies every fault now (driven mode); resolves when each is applied and its proof is in. */
  async applyNow(): Promise<void> {
    if (this.closed) return;
    const work = Promise.all(this.specs.map((_, i) => this.apply(i))).then(() => undefined);
    this.track(work);
    await work;
  }

  /** Removes every fault in force now (driven mode); the schedule stays open for removeAll. */
  async removeNow(): Promise<void> {
    await Promise.allSettled([...this.pending]);
    const work = Promise.all([...this.active.keys()].map((i) => this.remove(i))).then(() => undefined);
    this.track(work);
    await work;
  }

  private track(work: Promise<void>): void {
    this.pending.add(work);
    void work.finally(() => this.pending.delete(work));
  }

  private clock(): number {
    return Math.round(this.now() - this.loadStartEpochMs);
  }

  private async apply(i: number): Promise<void> {
    const spec = this.specs[i] as ScheduledFaultSpec;
    const record = this.records[i] as FaultRecord;
    const module = FAULTS[spec.fault.kind];
    if (module === undefined) return;
    try {
      this.events.boundary?.();
      const fault = await module.apply(this.stack, spec.fault.params, record.id);
      record.appliedAtMs = this.clock();
      this.events.boundary?.();
      this.active.set(i, fault);
      if (this.closed) return await this.remove(i); // the run ended while this was being applied
      const proof = await fault.prove();
      if (proof.landed) record.provenAtMs = this.clock();
      record.landed = proof.landed;
      record.evidence = proof.evidence;
      this.events.progress(
        `${proof.pending ? 'fault applied' : proof.landed ? 'fault landed' : 'fault did NOT land'}: ${record.description} — ${proof.evidence}`,
      );
    } catch (error) {
      record.evidence = `apply failed: ${(error as Error).message}`;
      this.events.failed(new Error(`could not apply ${record.description}: ${(error as Error).message}`));
    }
  }

  private async remove(i: number): Promise<void> {
    const fault = this.active.get(i);
    const record = this.records[i] as FaultRecord;
    if (fault === undefined) return;
    this.active.delete(i);
    try {
      this.events.boundary?.();
      const proof = await fault.remove();
      record.removedAtMs = this.clock();
      this.events.boundary?.();
      if (!proof.landed) {
        record.landed = false;
        record.evidence += `; ${proof.evidence}`;
      }
      this.events.progress(`fault removed: ${record.description}${proof.landed ? '' : ` — it did NOT land: ${proof.evidence}`}`);
    } catch (error) {
      this.events.failed(new Error(`could not remove ${record.description}: ${(error as Error).message}`));
    }
  }

  /** Cancels what has not happened yet and removes every fault still in force. */
  async removeAll(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    await Promise.allSettled([...this.pending]);
    await Promise.all([...this.active.keys()].map((i) => this.remove(i)));
    this.leases?.close(); // a toxic that could not be removed runs out on the server
  }
}
