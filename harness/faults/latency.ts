// Latency (and jitter) on one edge: Toxiproxy's `latency` toxic, on the downstream stream unless
// told otherwise, so the dependency answers late. Proven by a kept-open protocol probe whose round
// trip must grow by at least half the injected delay, and by the toxic still being listed when it
// is removed.

import type { FieldProblem } from '../fields.ts';
import type { System } from '../system/system.ts';
import { type ToxicTarget, targetProblems, targetText, toxicFault } from './toxic.ts';
import type { FaultModule, FaultSpec } from './types.ts';

export interface LatencyParams extends ToxicTarget {
  ms: number;
  jitterMs?: number;
}

export const latency = (params: LatencyParams): FaultSpec<'latency', LatencyParams> => ({ kind: 'latency', params });

export const latencyFault: FaultModule<LatencyParams, 'latency'> = {
  kind: 'latency',
  make: latency,
  fields: ['edge', 'ms', 'jitterMs', 'stream', 'toxicity'] satisfies (keyof LatencyParams)[],
  validate(raw: unknown, system: System): FieldProblem[] {
    const p = (raw ?? {}) as Partial<LatencyParams>;
    const out = targetProblems(p, system);
    if (typeof p.ms !== 'number' || !(p.ms > 0) || p.ms > 60_000)
      out.push({ field: 'ms', text: `${JSON.stringify(p.ms)} must be a delay in milliseconds in (0, 60000]` });
    if (p.jitterMs !== undefined && (typeof p.jitterMs !== 'number' || p.jitterMs < 0 || p.jitterMs > (p.ms ?? 0)))
      out.push({ field: 'jitterMs', text: `${JSON.stringify(p.jitterMs)} must be a number of milliseconds in [0, ms]` });
    return out;
  },
  target: (p) => p.edge,
  describe: (p) => `+${p.ms} ms${p.jitterMs ? ` ±${p.jitterMs} ms` : ''} latency ${targetText(p)}`,
  apply: (stack, p, id) =>
    toxicFault(stack, p, {
      name: id,
      type: 'latency',
      attributes: { latency: p.ms, jitter: p.jitterMs ?? 0 },
      // the probe's round trip must grow by at least half the delay (jitter can shorten it)
      landing: { kind: 'slower', extraMs: Math.max(1, p.ms - (p.jitterMs ?? 0)) / 2 },
    }),
};
