// A thin pipe on one edge: Toxiproxy's `bandwidth` toxic caps one stream at `kbPerSecond` (1 KB =
// 1000 bytes, Toxiproxy's unit), the answers (downstream) unless told otherwise. Proven by a bulk
// transfer across the edge (a large SELECT, ECHO or /metrics) that must take at least half the
// time the cap implies longer than before.

import type { FieldProblem } from '../fields.ts';
import type { System } from '../system/system.ts';
import { numberProblem, type ToxicTarget, targetProblems, targetText, toxicFault } from './toxic.ts';
import type { FaultModule, FaultSpec } from './types.ts';

export interface BandwidthParams extends Omit<ToxicTarget, 'toxicity'> {
  kbPerSecond: number;
}

export const bandwidth = (params: BandwidthParams): FaultSpec<'bandwidth', BandwidthParams> => ({ kind: 'bandwidth', params });

export const bandwidthFault: FaultModule<BandwidthParams, 'bandwidth'> = {
  kind: 'bandwidth',
  make: bandwidth,
  fields: ['edge', 'kbPerSecond', 'stream'] satisfies (keyof BandwidthParams)[],
  validate(raw: unknown, system: System): FieldProblem[] {
    const p = (raw ?? {}) as Partial<BandwidthParams>;
    return [...targetProblems(p, system), ...numberProblem('kbPerSecond', p.kbPerSecond, { min: 1, max: 1_000_000, integer: true }, 'KB per second')];
  },
  target: (p) => p.edge,
  describe: (p) => `bandwidth capped at ${p.kbPerSecond} KB/s ${targetText(p)}`,
  apply: (stack, p, id) =>
    toxicFault(stack, p, {
      name: id,
      type: 'bandwidth',
      attributes: { rate: p.kbPerSecond },
      landing: { kind: 'throttled', bytesPerMs: p.kbPerSecond, stream: p.stream ?? 'downstream' },
    }),
};
