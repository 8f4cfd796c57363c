// Lost chunks on one edge: faultline's `packet_loss` toxic (tools/toxiproxy/toxics/packet_loss.go)
// drops each chunk (one socket read) with probability `probability`, the answers (downstream)
// unless told otherwise. Above TCP nothing is retransmitted: a lost request or answer is a call
// that never completes (a client timeout), or a protocol error. Proven by round trips on fresh
// connections, enough that at least one must fail with 99.9% probability if the toxic is there.

import type { FieldProblem } from '../fields.ts';
import type { System } from '../system/system.ts';
import { numberProblem, type ToxicTarget, targetProblems, targetText, toxicFault } from './toxic.ts';
import type { FaultModule, FaultSpec } from './types.ts';

export interface PacketLossParams extends Omit<ToxicTarget, 'toxicity'> {
  /** chance, in (0, 1], that a chunk is dropped */
  probability: number;
  /** extra drop chance, in [0, 1], for the chunk right after a drop (bursts); default 0 */
  correlation?: number;
}

export const packetLoss = (params: PacketLossParams): FaultSpec<'packetLoss', PacketLossParams> => ({ kind: 'packetLoss', params });

export const packetLossFault: FaultModule<PacketLossParams, 'packetLoss'> = {
  kind: 'packetLoss',
  make: packetLoss,
  fields: ['edge', 'probability', 'correlation', 'stream'] satisfies (keyof PacketLossParams)[],
  validate(raw: unknown, system: System): FieldProblem[] {
    const p = (raw ?? {}) as Partial<PacketLossParams>;
    const out = [...targetProblems(p, system), ...numberProblem('probability', p.probability, { min: 0, max: 1, exclusiveMin: true }, 'chance per chunk')];
    if (p.correlation !== undefined) out.push(...numberProblem('correlation', p.correlation, { min: 0, max: 1 }, 'extra chance after a drop'));
    return out;
  },
  target: (p) => p.edge,
  describe: (p) => `${Math.round(p.probability * 1000) / 10}% packet loss${p.correlation ? ` (+${p.correlation} after a drop)` : ''} ${targetText(p)}`,
  apply: (stack, p, id) =>
    toxicFault(stack, p, {
      name: id,
      type: 'packet_loss',
      attributes: { loss_rate: p.probability, correlation: p.correlation ?? 0 },
      landing: { kind: 'broken' },
      // every round trip is a chance to lose a chunk, not only a share of connections
      share: Math.min(0.99, p.probability),
    }),
};
