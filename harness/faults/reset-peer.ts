// Connections reset on one edge: Toxiproxy's `reset_peer` toxic answers the first data on a
// connection (after `afterMs`) with a TCP RST, on `toxicity` of the connections (default all).
// Proven by a probe round trip that fails, having worked just before (fresh connections when
// only a share is hit).

import type { FieldProblem } from '../fields.ts';
import type { System } from '../system/system.ts';
import { numberProblem, type ToxicTarget, targetProblems, targetText, toxicFault } from './toxic.ts';
import type { FaultModule, FaultSpec } from './types.ts';

export interface ResetPeerParams extends ToxicTarget {
  /** how long after the first data the reset comes; default 0 (at once) */
  afterMs?: number;
}

export const resetPeer = (params: ResetPeerParams): FaultSpec<'resetPeer', ResetPeerParams> => ({ kind: 'resetPeer', params });

export const resetPeerFault: FaultModule<ResetPeerParams, 'resetPeer'> = {
  kind: 'resetPeer',
  make: resetPeer,
  fields: ['edge', 'afterMs', 'toxicity', 'stream'] satisfies (keyof ResetPeerParams)[],
  validate(raw: unknown, system: System): FieldProblem[] {
    const p = (raw ?? {}) as Partial<ResetPeerParams>;
    return [...targetProblems(p, system), ...(p.afterMs === undefined ? [] : numberProblem('afterMs', p.afterMs, { min: 0, max: 60_000 }, 'milliseconds'))];
  },
  target: (p) => p.edge,
  describe: (p) => `connections reset (TCP RST)${p.afterMs ? ` ${p.afterMs} ms after their first data` : ''} ${targetText(p)}`,
  apply: (stack, p, id) =>
    toxicFault(stack, p, {
      name: id,
      type: 'reset_peer',
      attributes: { timeout: p.afterMs ?? 0 },
      landing: { kind: 'broken', withinMs: p.afterMs ?? 0 },
    }),
};
