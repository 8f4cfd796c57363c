// Poison pill: one tenant sends a payload that hangs or crashes what serves it. The payload is the
// system's own (its declaration's `poison`: endpoint -> parameter values, {tenant} filled in; the
// shop's is a search that hangs a catalog replica for 2.5 s). From `at` for `for`, k6 sends `rate`
// such requests per second as `tenant`, each the same payload (one fingerprint for a quarantine).
// Proven from its recorded samples (harness/faults/load-traffic.ts): the pills were sent and got
// answers (504, 422, ...).

import type { FieldProblem } from '../fields.ts';
import type { System } from '../system/system.ts';
import { rateProblems, tenantProblems, trafficWindow } from './load-traffic.ts';
import type { FaultModule, FaultSpec } from './types.ts';

/** Pills per second at most: each one can hang a replica for seconds. */
export const MAX_PILL_RATE = 50;

export interface PoisonPillParams {
  tenant: string;
  /** pills per second */
  rate: number;
  /** where the pills go; default: the system's only poisonable endpoint */
  endpoint?: string;
}

export const poisonPill = (params: PoisonPillParams): FaultSpec<'poisonPill', PoisonPillParams> => ({ kind: 'poisonPill', params });

const poisonable = (system: System): string[] => Object.keys(system.poison);
const endpointOf = (p: PoisonPillParams, system: System): string => p.endpoint ?? (poisonable(system)[0] as string);
/** The pill's parameter values, {tenant} filled in. */
export const payloadOf = (p: PoisonPillParams, system: System): Record<string, string> =>
  Object.fromEntries(Object.entries(system.poison[endpointOf(p, system)] ?? {}).map(([k, v]) => [k, v.replaceAll('{tenant}', p.tenant)]));

export const poisonPillFault: FaultModule<PoisonPillParams, 'poisonPill'> = {
  kind: 'poisonPill',
  make: poisonPill,
  fields: ['tenant', 'rate', 'endpoint'] satisfies (keyof PoisonPillParams)[],
  validate(raw: unknown, system: System): FieldProblem[] {
    const p = (raw ?? {}) as Partial<PoisonPillParams>;
    const out = [...tenantProblems(p.tenant, system), ...rateProblems(p.rate, MAX_PILL_RATE)];
    const endpoints = poisonable(system);
    if (endpoints.length === 0)
      out.push({
        field: 'endpoint',
        text: `system ${system.name} declares no poison payload: give it one in its declaration's poison: { "METHOD /path": { param: "value" } }`,
      });
    else if (p.endpoint === undefined && endpoints.length > 1)
      out.push({ field: 'endpoint', text: `is needed: system ${system.name} has poison payloads for ${endpoints.join(', ')}` });
    else if (p.endpoint !== undefined && !endpoints.includes(p.endpoint))
      out.push({ field: 'endpoint', text: `${JSON.stringify(p.endpoint)} has no poison payload; endpoints with one are: ${endpoints.join(', ')}` });
    return out;
  },
  target: (p) => `${p.endpoint ?? 'the poisonable endpoint'} as tenant ${p.tenant}`,
  describe: (p) => `tenant ${p.tenant} sends ${p.rate} poison pills/s${p.endpoint ? ` to ${p.endpoint}` : ''}`,
  apply: async (_stack, p) => trafficWindow(`${p.rate} pills/s`),
  traffic: (p, system) => ({ ratePerSecond: p.rate, tenants: { [p.tenant]: 1 }, mix: { [endpointOf(p, system)]: 1 }, params: payloadOf(p, system) }),
};
