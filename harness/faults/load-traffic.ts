// What load-shaped faults (load spike, noisy neighbour, poison pill) share. Their "injection" is
// extra open-model traffic that the k6 script sends from the fault's `at` for its `for` (see
// harness/load/script.ts), so apply and remove only mark the window; the proof that the fault
// landed comes from the recorded samples after the load: its traffic must really have been sent
// and answered at >= 80% of the scheduled rate, else the run is inconclusive.

import type { FieldProblem } from '../fields.ts';
import { priorityNames, type System } from '../system/system.ts';
import type { ActiveFault, Proof } from './types.ts';

/** Share of the scheduled requests that must have been sent, and answered, for the fault to count. */
export const MIN_DELIVERED_SHARE = 0.8;
/** The most extra traffic a fault may ask for (the machine also runs the system and k6). */
export const MAX_FAULT_RATE = 5000;

/** apply/remove of a load-shaped fault: k6 starts and stops its traffic on the same clock. */
export function trafficWindow(what: string): ActiveFault {
  return {
    prove: async () => ({
      landed: false,
      pending: true,
      evidence: `k6 sends ${what} as its own scenario; whether it arrived and was answered is proven from its recorded samples after the load`,
    }),
    remove: async () => ({ landed: true, evidence: 'k6 ends its traffic at the end of its window' }),
  };
}

export interface TrafficTally {
  ratePerSecond: number;
  /** the fault's scheduled duration */
  forMs: number;
  /** a linear climb from 0 to the rate at the start of the window (it sends half as much meanwhile) */
  rampMs?: number;
  /** the fault's samples by HTTP status (0: no answer), with how many carried Retry-After */
  statuses: Readonly<Record<number, { count: number; retryAfter: number }>>;
  /** iterations k6 could not start for the fault's scenario (no free VU) */
  dropped: number;
}

const n = (v: number): string => v.toLocaleString('en-US');
const pct = (v: number): string => `${(v * 100).toFixed(1)}%`;

/** Landed only if >= 80% of the scheduled requests were sent and >= 80% were answered (any status). */
export function trafficLandedProof(t: TrafficTally): Proof {
  const scheduled = Math.round((t.ratePerSecond * (t.forMs - (t.rampMs ?? 0) / 2)) / 1000);
  const entries = Object.entries(t.statuses).map(([status, c]) => ({ status: Number(status), ...c }));
  const sent = entries.reduce((a, e) => a + e.count, 0);
  const answered = entries.filter((e) => e.status > 0).reduce((a, e) => a + e.count, 0);
  const byStatus = entries
    .sort((a, b) => b.count - a.count)
    .map((e) =>
      e.status === 0
        ? `${n(e.count)} without an answer`
        : `${n(e.count)} x ${e.status}${e.retryAfter > 0 ? ` (${e.retryAfter === e.count ? 'all' : n(e.retryAfter)} with Retry-After)` : ''}`,
    )
    .join(', ');
  const need = Math.ceil(scheduled * MIN_DELIVERED_SHARE);
  const figures = `k6 sent ${n(sent)} of ${n(scheduled)} scheduled requests (${pct(scheduled === 0 ? 0 : sent / scheduled)}; ${n(t.dropped)} iterations dropped), ${n(answered)} answered${byStatus ? `: ${byStatus}` : ''}; needed ${n(need)} sent and answered (${MIN_DELIVERED_SHARE * 100}% of ${t.ratePerSecond} req/s for ${(t.forMs / 1000).toFixed(1)} s${t.rampMs ? `, the first ${(t.rampMs / 1000).toFixed(1)} s climbing from 0` : ''})`;
  if (scheduled === 0 || sent < need) return { landed: false, evidence: `${figures}: the extra load was not delivered, so the run proves nothing about it` };
  if (answered < need) return { landed: false, evidence: `${figures}: too few requests got any answer, so the system's handling of the load is unknown` };
  return { landed: true, evidence: figures };
}

// ---- validation shared by the load-shaped faults -------------------------------------------

export function rateProblems(rate: unknown, max = MAX_FAULT_RATE): FieldProblem[] {
  if (typeof rate === 'number' && rate > 0 && rate <= max) return [];
  return [{ field: 'rate', text: `${JSON.stringify(rate)} must be a number of requests per second in (0, ${max}]` }];
}

export function tenantProblems(tenant: unknown, system: System): FieldProblem[] {
  const tenants = system.tenants?.names ?? [];
  if (typeof tenant === 'string' && tenants.includes(tenant)) return [];
  return [
    {
      field: 'tenant',
      text: `${JSON.stringify(tenant)} is not a tenant; ${tenants.length ? `tenants are: ${tenants.join(', ')}` : `system ${system.name} has no tenants`}`,
    },
  ];
}

export function priorityProblems(priority: unknown, system: System): FieldProblem[] {
  const priorities = priorityNames(system);
  if (priority === undefined || (typeof priority === 'string' && priorities.includes(priority))) return [];
  return [
    {
      field: 'priority',
      text: `${JSON.stringify(priority)} is not a priority; ${priorities.length ? `priorities are: ${priorities.join(', ')}` : `system ${system.name} has no priorities`}`,
    },
  ];
}

/** An optional endpoint mix: a share per endpoint, every share positive. */
export function mixProblems(mix: unknown, system: System): FieldProblem[] {
  const ENDPOINTS = Object.keys(system.endpoints);
  if (mix === undefined) return [];
  if (typeof mix !== 'object' || mix === null || Array.isArray(mix) || Object.keys(mix).length === 0)
    return [{ field: 'mix', text: `${JSON.stringify(mix)} must give a share per endpoint; endpoints are: ${ENDPOINTS.join(', ')}` }];
  const out: FieldProblem[] = [];
  for (const [endpoint, share] of Object.entries(mix)) {
    if (!ENDPOINTS.includes(endpoint)) out.push({ field: `mix["${endpoint}"]`, text: `is not an endpoint; endpoints are: ${ENDPOINTS.join(', ')}` });
    else if (typeof share !== 'number' || !(share > 0))
      out.push({ field: `mix["${endpoint}"]`, text: `share ${JSON.stringify(share)} must be a positive number` });
  }
  return out;
}
