// Poison pill: one tenant sends a payload that hangs the replica serving it. In this system the
// pill is a search query starting `poison:hang` (sample-system/services/catalog/defect.ts: it
// blocks that catalog replica's event loop for 2.5 s, so every request queued on the replica
// waits with it). From `at` for `for`, k6 sends `rate` such requests per second as `tenant`, each
// the same payload (one fingerprint for the gateway's quarantine). Proven from its recorded
// samples (harness/faults/load-traffic.ts): the pills were sent and got answers (504, 422, ...).

import type { FieldProblem } from '../verdict/slo.ts';
import type { FaultModule, FaultSpec } from './types.ts';
import { rateProblems, tenantProblems, trafficWindow } from './load-traffic.ts';

/** Endpoints with a defect a pill can hit, and the payload that hits it. */
export const POISONABLE = { 'GET /search': (tenant: string) => `poison:hang:${tenant}` } as const;
type PoisonableEndpoint = keyof typeof POISONABLE;
const ENDPOINTS = Object.keys(POISONABLE) as PoisonableEndpoint[];

/** Pills per second at most: each one can hang a replica for seconds. */
export const MAX_PILL_RATE = 50;

export interface PoisonPillParams {
  tenant: string;
  /** pills per second */
  rate: number;
  /** where the pills go; default (and today the only one): GET /search */
  endpoint?: PoisonableEndpoint;
}

export const poisonPill = (params: PoisonPillParams): FaultSpec<'poisonPill', PoisonPillParams> => ({ kind: 'poisonPill', params });

const endpointOf = (p: PoisonPillParams): PoisonableEndpoint => p.endpoint ?? 'GET /search';
const describe = (p: PoisonPillParams): string => `tenant ${p.tenant} sends ${p.rate} poison pills/s to ${endpointOf(p)} (q=${POISONABLE[endpointOf(p)](p.tenant)})`;

export const poisonPillFault: FaultModule<PoisonPillParams> = {
  kind: 'poisonPill',
  fields: ['tenant', 'rate', 'endpoint'] satisfies (keyof PoisonPillParams)[],
  validate(raw: unknown): FieldProblem[] {
    const p = (raw ?? {}) as Partial<PoisonPillParams>;
    const out = [...tenantProblems(p.tenant), ...rateProblems(p.rate, MAX_PILL_RATE)];
    if (p.endpoint !== undefined && !(ENDPOINTS as readonly string[]).includes(p.endpoint))
      out.push({ field: 'endpoint', text: `${JSON.stringify(p.endpoint)} has no poison-pill defect; endpoints with one are: ${ENDPOINTS.join(', ')}` });
    return out;
  },
  target: (p) => `${endpointOf(p)} as tenant ${p.tenant}`,
  describe,
  apply: async (_stack, p) => trafficWindow(`${p.rate} pills/s`),
  traffic: (p) => ({ ratePerSecond: p.rate, tenants: { [p.tenant]: 1 }, mix: { [endpointOf(p)]: 1 }, searchQuery: POISONABLE[endpointOf(p)](p.tenant) }),
};
