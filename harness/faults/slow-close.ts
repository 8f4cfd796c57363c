// Slow closes on one edge: Toxiproxy's `slow_close` toxic holds back the server's close of a
// connection by `delayMs` (clients that wait for EOF, or pools that recycle connections, wait
// with it). Proven by fresh connections the server is asked to close (HTTP `connection: close`,
// Redis QUIT, a refused Postgres start-up): the close must arrive at least half the delay later.

import type { FieldProblem } from '../fields.ts';
import type { System } from '../system/system.ts';
import { numberProblem, type ToxicTarget, targetProblems, targetText, toxicFault } from './toxic.ts';
import type { FaultModule, FaultSpec } from './types.ts';

export interface SlowCloseParams extends Pick<ToxicTarget, 'edge'> {
  delayMs: number;
}

export const slowClose = (params: SlowCloseParams): FaultSpec<'slowClose', SlowCloseParams> => ({ kind: 'slowClose', params });

export const slowCloseFault: FaultModule<SlowCloseParams, 'slowClose'> = {
  kind: 'slowClose',
  make: slowClose,
  fields: ['edge', 'delayMs'] satisfies (keyof SlowCloseParams)[],
  validate(raw: unknown, system: System): FieldProblem[] {
    const p = (raw ?? {}) as Partial<SlowCloseParams>;
    return [...targetProblems(p, system), ...numberProblem('delayMs', p.delayMs, { min: 0, max: 60_000, exclusiveMin: true }, 'milliseconds')];
  },
  target: (p) => p.edge,
  describe: (p) => `connection closes held back ${p.delayMs} ms ${targetText(p)}`,
  apply: (stack, p, id) =>
    toxicFault(stack, p, {
      name: id,
      type: 'slow_close',
      attributes: { delay: p.delayMs },
      landing: { kind: 'slow-close', extraMs: p.delayMs },
    }),
};
