// The shape every fault module has (see STYLE.md: Toxiproxy's uniform toxics). Scheduling,
// targeting and removal on every exit path live once, in harness/faults/schedule.ts.

import type { FieldProblem } from '../fields.ts';
import type { StartedStack } from '../runtime/types.ts';
import type { System } from '../system/system.ts';

/** What a scenario file holds: made by a factory such as faults.latency({...}). */
export interface FaultSpec<K extends string = string, P = unknown> {
  kind: K;
  params: P;
}

/** Whether the fault took effect, with the numbers that show it. */
export interface Proof {
  landed: boolean;
  evidence: string;
  /** the proof comes later (a load-shaped fault is proven from its recorded samples after the load) */
  pending?: boolean;
}

/**
 * The extra open-model traffic of a load-shaped fault (a spike, a noisy tenant, poison pills):
 * the k6 script runs it as its own constant-arrival-rate scenario from the fault's `at` for its
 * `for`, its samples tagged with the fault's id, so they can be told apart from the base load.
 */
export interface FaultTraffic {
  ratePerSecond: number;
  /** share of requests per endpoint; default: the base load's mix */
  mix?: Partial<Record<string, number>>;
  /** share per tenant; default: the base load's tenants */
  tenants?: Partial<Record<string, number>>;
  /** share per priority (critical / normal / background); default: the base load's */
  priorities?: Partial<Record<string, number>>;
  /** fixed parameter values instead of the usual draws: the payload of a poison pill */
  params?: Readonly<Record<string, string>>;
}

export interface ActiveFault {
  /** checks, right after apply, that the fault is in force and observable */
  prove(): Promise<Proof>;
  /** removes the fault; says whether it was still in force until then */
  remove(): Promise<Proof>;
}

export interface FaultModule<P = unknown, K extends string = string> {
  kind: K;
  /** the factory scenario files call: `faults.latency({ edge, ms })` */
  make(params: P): FaultSpec<K, P>;
  /** the runtimes that can apply it (default: every one); a scenario using it elsewhere is refused before boot */
  runtimes?: readonly StartedStack['runtime'][];
  /** every parameter the factory takes; any other key in a scenario is a typo, and an error */
  fields: readonly string[];
  /** problems of the fault's parameters in this system (its edges, parts, tenants), each naming its field */
  validate(params: unknown, system: System): FieldProblem[];
  /** what it is aimed at, e.g. 'api->db' */
  target(params: P): string;
  describe(params: P): string;
  apply(stack: StartedStack, params: P, id: string): Promise<ActiveFault>;
  /**
   * Load-shaped faults only: the traffic k6 sends for the fault. Such a fault is proven from its
   * recorded samples after the load (harness/faults/load-traffic.ts), not by apply/prove.
   */
  traffic?(params: P, system: System): FaultTraffic;
}
