// The shape every fault module has (see STYLE.md: Toxiproxy's uniform toxics). Scheduling,
// targeting and removal on every exit path live once, in harness/faults/schedule.ts.

import type { StartedStack } from '../runtime/types.ts';
import type { FieldProblem } from '../verdict/slo.ts';

/** What a scenario file holds: made by a factory such as faults.latency({...}). */
export interface FaultSpec<K extends string = string, P = unknown> {
  kind: K;
  params: P;
}

/** Whether the fault took effect, with the numbers that show it. */
export interface Proof {
  landed: boolean;
  evidence: string;
}

export interface ActiveFault {
  /** checks, right after apply, that the fault is in force and observable */
  prove(): Promise<Proof>;
  /** removes the fault; says whether it was still in force until then */
  remove(): Promise<Proof>;
}

export interface FaultModule<P = unknown> {
  kind: string;
  /** every parameter the factory takes; any other key in a scenario is a typo, and an error */
  fields: readonly string[];
  validate(params: unknown): FieldProblem[];
  /** what it is aimed at, e.g. 'catalog->postgres' */
  target(params: P): string;
  describe(params: P): string;
  apply(stack: StartedStack, params: P, id: string): Promise<ActiveFault>;
}
