// Load spike: an arrival-rate step. From `at` for `for`, k6 sends `rate` more requests per second
// (open model: a slow system still gets them), by default in the base load's endpoint and
// priority mix. Proven from its recorded samples (harness/faults/load-traffic.ts).

import type { FieldProblem } from '../fields.ts';
import type { System } from '../system/system.ts';
import { mixProblems, priorityProblems, rateProblems, trafficWindow } from './load-traffic.ts';
import type { FaultModule, FaultSpec } from './types.ts';

export interface LoadSpikeParams {
  /** extra requests per second on top of the base load */
  rate: number;
  /** share per endpoint; default: the base load's mix */
  mix?: Partial<Record<string, number>>;
  /** every extra request at this priority; default: the base load's priority mix */
  priority?: string;
}

export const loadSpike = (params: LoadSpikeParams): FaultSpec<'loadSpike', LoadSpikeParams> => ({ kind: 'loadSpike', params });

const describe = (p: LoadSpikeParams): string =>
  `a load spike of +${p.rate} req/s${p.priority ? ` at ${p.priority} priority` : ''}${p.mix ? ` on ${Object.keys(p.mix).join(', ')}` : ''}`;

export const loadSpikeFault: FaultModule<LoadSpikeParams, 'loadSpike'> = {
  kind: 'loadSpike',
  make: loadSpike,
  fields: ['rate', 'mix', 'priority'] satisfies (keyof LoadSpikeParams)[],
  validate(raw: unknown, system: System): FieldProblem[] {
    const p = (raw ?? {}) as Partial<LoadSpikeParams>;
    return [...rateProblems(p.rate), ...mixProblems(p.mix, system), ...priorityProblems(p.priority, system)];
  },
  target: () => 'the entry part',
  describe,
  apply: async (_stack, p) => trafficWindow(`+${p.rate} req/s`),
  traffic: (p) => ({ ratePerSecond: p.rate, ...(p.mix ? { mix: p.mix } : {}), ...(p.priority ? { priorities: { [p.priority]: 1 } } : {}) }),
};
