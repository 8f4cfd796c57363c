// Flaky: the service itself answers a share of its requests with 503, fast (an application-level
// failure, unlike the network faults, which Toxiproxy makes on an edge). Set through the service's
// behaviour switch (POST <prefix>/behaviour, GET <prefix>/stats), a small protocol a system's part
// may serve and declare (behaviourSwitch: '/admin'; the shop's payments does). Proven by reading the
// behaviour back (it must be what was set) and, at removal, by the service's own count of the
// requests it failed: a flaky service that nobody called during the fault proves nothing. Removal
// puts back the behaviour it found.

import type { FieldProblem } from '../fields.ts';
import { httpText } from '../loopback-http.ts';
import type { StartedStack } from '../runtime/types.ts';
import { assertLoopback } from '../safety.ts';
import { type System, serviceParts } from '../system/system.ts';
import { numberProblem } from './toxic.ts';
import type { ActiveFault, FaultModule, FaultSpec, Proof } from './types.ts';

export interface FlakyParams {
  /** the service that fails its own requests: a part that declares a behaviourSwitch */
  service: string;
  /** share of requests answered 503, in (0, 1] */
  failureRate: number;
  /** base delay of every answer, failed or not (default: what the service had) */
  latencyMs?: number;
  jitterMs?: number;
}

export const flaky = (params: FlakyParams): FaultSpec<'flaky', FlakyParams> => ({ kind: 'flaky', params });

/** Service parts with a behaviour switch, and its path prefix. */
const switchOf = (system: System): Record<string, string> =>
  Object.fromEntries(serviceParts(system).flatMap((p) => (p.behaviourSwitch === undefined ? [] : [[p.name, p.behaviourSwitch]])));
const MAX_MS = 60_000;
const HTTP_TIMEOUT_MS = 2000;

interface Behaviour {
  latencyMs: number;
  jitterMs: number;
  failureRate: number;
}

interface Stats {
  requests: number;
  failed: number;
}

export function flakyProblems(raw: unknown, system: System): FieldProblem[] {
  const p = (raw ?? {}) as Partial<FlakyParams>;
  const out: FieldProblem[] = [];
  const flaky = Object.keys(switchOf(system));
  if (typeof p.service !== 'string' || !flaky.includes(p.service))
    out.push({
      field: 'service',
      text: `${JSON.stringify(p.service)} has no behaviour switch; services that can be made flaky: ${flaky.join(', ') || `none (no part of ${system.name} declares behaviourSwitch)`}`,
    });
  if (typeof p.failureRate !== 'number' || !(p.failureRate > 0 && p.failureRate <= 1))
    out.push({ field: 'failureRate', text: `${JSON.stringify(p.failureRate)} must be the share of requests answered 503, a number in (0, 1]` });
  if (p.latencyMs !== undefined) out.push(...numberProblem('latencyMs', p.latencyMs, { min: 0, max: MAX_MS }, 'milliseconds'));
  if (p.jitterMs !== undefined) out.push(...numberProblem('jitterMs', p.jitterMs, { min: 0, max: MAX_MS }, 'milliseconds'));
  return out;
}

const text = (b: Behaviour): string => `failureRate ${b.failureRate}, latency ${b.latencyMs} ms ±${b.jitterMs} ms`;

function sameBehaviour(a: Behaviour, b: Behaviour): boolean {
  return a.failureRate === b.failureRate && a.latencyMs === b.latencyMs && a.jitterMs === b.jitterMs;
}

/** The service's admin API, loopback only. */
function adminOf(stack: StartedStack, service: string): { get<T>(path: string): Promise<T>; set(b: Behaviour): Promise<Behaviour> } {
  const endpoint = stack.services[service];
  const prefix = switchOf(stack.system)[stack.system.instances.find((i) => i.name === service)?.part ?? service] ?? '/admin';
  if (endpoint === undefined) throw new Error(`${service} is not a service of this stack (services: ${Object.keys(stack.services).join(', ')})`);
  const base = `${endpoint.url.replace(/\/$/, '')}${prefix}`;
  assertLoopback(base, `the behaviour switch of ${service}`);
  const call = async <T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> => {
    const { status, text } = await httpText(base, `${base}${path}`, `the behaviour switch of ${service}`, {
      method,
      ...(body === undefined ? {} : { json: JSON.stringify(body) }),
      timeoutMs: HTTP_TIMEOUT_MS,
    });
    if (status !== 200) throw new Error(`${method} ${base}${path} answered ${status}: ${text.slice(0, 300)}`);
    return JSON.parse(text) as T;
  };
  return { get: (path) => call('GET', path), set: (b) => call<Behaviour>('POST', '/behaviour', b) };
}

export const flakyFault: FaultModule<FlakyParams, 'flaky'> = {
  kind: 'flaky',
  make: flaky,
  fields: ['service', 'failureRate', 'latencyMs', 'jitterMs'] satisfies (keyof FlakyParams)[],
  validate: flakyProblems,
  target: (p) => p.service,
  describe: (p) =>
    `${p.service} fails ${Math.round(p.failureRate * 1000) / 10}% of its requests with 503${p.latencyMs !== undefined ? `, answering in ${p.latencyMs} ms${p.jitterMs ? ` ±${p.jitterMs} ms` : ''}` : ''}`,
  async apply(stack, p): Promise<ActiveFault> {
    const admin = adminOf(stack, p.service);
    const old = await admin.get<Behaviour>('/behaviour');
    const wanted: Behaviour = {
      latencyMs: p.latencyMs ?? old.latencyMs,
      jitterMs: p.jitterMs ?? old.jitterMs,
      failureRate: p.failureRate,
    };
    const atApply = await admin.get<Stats>('/stats');
    await admin.set(wanted);
    let from: Stats = atApply; // the traffic window: from the proof (or the apply) to the removal
    let removed = false;

    return {
      async prove(): Promise<Proof> {
        const now = await admin.get<Behaviour>('/behaviour');
        from = await admin.get<Stats>('/stats');
        const landed = sameBehaviour(now, wanted);
        const read = `${p.service} reads back ${text(now)}`;
        const stats = `${from.failed - atApply.failed} of ${from.requests - atApply.requests} requests failed since it was set`;
        return {
          landed,
          evidence: landed ? `${read} (was ${text(old)}); ${stats}` : `${read}, not the ${text(wanted)} that was set (was ${text(old)})`,
        };
      },
      async remove(): Promise<Proof> {
        if (removed) return { landed: true, evidence: 'already removed' };
        const still = await admin.get<Behaviour>('/behaviour');
        const atRemoval = await admin.get<Stats>('/stats');
        await admin.set(old);
        removed = true; // only now: a removal that failed half-way may be tried again
        const back = await admin.get<Behaviour>('/behaviour');
        if (!sameBehaviour(back, old)) throw new Error(`${p.service} did not take back its behaviour: it reads ${text(back)}, not ${text(old)}`);
        const requests = atRemoval.requests - from.requests;
        const failed = atRemoval.failed - from.failed;
        const restored = `restored to ${text(old)}`;
        if (!sameBehaviour(still, wanted))
          return { landed: false, evidence: `${p.service} was at ${text(still)} before its scheduled end, not ${text(wanted)}; ${restored}` };
        if (failed <= 0)
          return {
            landed: false,
            evidence: `${p.service} failed none of its ${requests} requests while it was flaky (its failed counter did not grow): nothing hit the fault; ${restored}`,
          };
        return {
          landed: true,
          evidence: `${p.service} failed ${failed} of ${requests} requests (${((failed / Math.max(1, requests)) * 100).toFixed(1)}%) while it was flaky; ${restored}`,
        };
      },
    };
  },
};
