// A black hole on one edge: Toxiproxy's `timeout` toxic swallows every byte of the answers
// (downstream) so the dependency never answers; with `closeAfterMs` it also closes each
// connection that long after the toxic reached it. Requests still arrive, so the dependency may
// act on them (a charge made, its answer lost). Proven by a probe round trip that gets no answer.

import type { FieldProblem } from '../fields.ts';
import type { System } from '../system/system.ts';
import { numberProblem, type ToxicTarget, targetProblems, targetText, toxicFault } from './toxic.ts';
import type { FaultModule, FaultSpec } from './types.ts';

export interface BlackholeParams extends Pick<ToxicTarget, 'edge'> {
  /** 0 or absent: hold the data forever; > 0: close the connection after this long */
  closeAfterMs?: number;
}

export const blackhole = (params: BlackholeParams): FaultSpec<'blackhole', BlackholeParams> => ({ kind: 'blackhole', params });

export const blackholeFault: FaultModule<BlackholeParams, 'blackhole'> = {
  kind: 'blackhole',
  make: blackhole,
  fields: ['edge', 'closeAfterMs'] satisfies (keyof BlackholeParams)[],
  validate(raw: unknown, system: System): FieldProblem[] {
    const p = (raw ?? {}) as Partial<BlackholeParams>;
    return [
      ...targetProblems(p, system),
      ...(p.closeAfterMs === undefined ? [] : numberProblem('closeAfterMs', p.closeAfterMs, { min: 0, max: 600_000 }, 'milliseconds')),
    ];
  },
  target: (p) => p.edge,
  describe: (p) => `black hole (answers never arrive${p.closeAfterMs ? `, connections closed after ${p.closeAfterMs} ms` : ''}) ${targetText(p)}`,
  apply: (stack, p, id) =>
    toxicFault(stack, p, {
      name: id,
      type: 'timeout',
      attributes: { timeout: p.closeAfterMs ?? 0 },
      landing: { kind: 'broken' },
    }),
};
