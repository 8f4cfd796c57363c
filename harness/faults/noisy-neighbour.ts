// Noisy neighbour: one tenant floods. From `at` for `for`, k6 sends `rate` more requests per
// second, all as `tenant`, by default in the base load's endpoint mix. Proven from its recorded
// samples (harness/faults/load-traffic.ts); its own requests never count against anyone's SLOs.

import type { FieldProblem } from '../fields.ts';
import type { System } from '../system/system.ts';
import { mixProblems, rateProblems, tenantProblems, trafficWindow } from './load-traffic.ts';
import type { FaultModule, FaultSpec } from './types.ts';

export interface NoisyNeighbourParams {
  tenant: string;
  /** the flood, requests per second on top of the base load */
  rate: number;
  /** share per endpoint; default: the base load's mix */
  mix?: Partial<Record<string, number>>;
}

export const noisyNeighbour = (params: NoisyNeighbourParams): FaultSpec<'noisyNeighbour', NoisyNeighbourParams> => ({ kind: 'noisyNeighbour', params });

const describe = (p: NoisyNeighbourParams): string => `tenant ${p.tenant} floods at +${p.rate} req/s${p.mix ? ` on ${Object.keys(p.mix).join(', ')}` : ''}`;

export const noisyNeighbourFault: FaultModule<NoisyNeighbourParams, 'noisyNeighbour'> = {
  kind: 'noisyNeighbour',
  make: noisyNeighbour,
  fields: ['tenant', 'rate', 'mix'] satisfies (keyof NoisyNeighbourParams)[],
  validate(raw: unknown, system: System): FieldProblem[] {
    const p = (raw ?? {}) as Partial<NoisyNeighbourParams>;
    return [...tenantProblems(p.tenant, system), ...rateProblems(p.rate), ...mixProblems(p.mix, system)];
  },
  target: (p) => `tenant ${p.tenant}`,
  describe,
  apply: async (_stack, p) => trafficWindow(`+${p.rate} req/s`),
  traffic: (p) => ({ ratePerSecond: p.rate, tenants: { [p.tenant]: 1 }, ...(p.mix ? { mix: p.mix } : {}) }),
};
