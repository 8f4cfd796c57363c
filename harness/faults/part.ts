// What the kill and pause faults share: which parts they may aim at, and a probe into a part —
// through an edge into it (what its callers dial, Toxiproxy included), or, for the gateway,
// which no edge reaches, straight at its published port.

import type { FieldProblem } from '../fields.ts';
import type { EdgeEndpoint, PartControl, StartedStack } from '../runtime/types.ts';
import { controllableParts, partOf, type System } from '../system/system.ts';
import { openProbe } from './probe.ts';

export interface PartParams {
  part: string;
}

export function partProblems(part: unknown, system: System): FieldProblem[] {
  const parts = controllableParts(system);
  if (typeof part === 'string' && parts.includes(part)) return [];
  return [{ field: 'part', text: `${JSON.stringify(part)} is not a part; parts are: ${parts.join(', ')}` }];
}

export function controlOf(stack: StartedStack, part: string): PartControl {
  const control = stack.parts[part];
  if (control === undefined) throw new Error(`${part} is not a part of this stack (parts: ${Object.keys(stack.parts).join(', ')})`);
  return control;
}

/** The endpoint a probe into `part` dials: the first edge into it, else its own published port. */
export function probeTarget(stack: StartedStack, part: string): EdgeEndpoint {
  const edge = stack.system.edges.find((e) => e.instance === part);
  const viaEdge = edge === undefined ? undefined : stack.edges[edge.name];
  if (viaEdge !== undefined) return viaEdge;
  const service = stack.services[part];
  if (service === undefined) throw new Error(`nothing in this stack leads into ${part}: no edge and no service URL`);
  const listen = new URL(service.url).host;
  const spec = partOf(stack.system, part);
  const probePath = spec?.kind === 'service' ? (spec.probePath ?? ('http' in spec.readiness ? spec.readiness.http : undefined)) : undefined;
  return {
    edge: `harness->${part}`,
    proxy: '(none: straight to its port)',
    listen,
    upstream: listen,
    protocol: probePath === undefined ? 'tcp' : 'http',
    ...(probePath === undefined ? {} : { probePath }),
  };
}

export type ProbeOutcome = { answered: true; ms: number } | { answered: false; ms: number; error: string };

/** One round trip on a fresh probe (connection set-up included), bounded by `timeoutMs`. */
export async function freshRoundTrip(target: EdgeEndpoint, timeoutMs: number): Promise<ProbeOutcome> {
  const start = performance.now();
  const opening = openProbe(target);
  try {
    const probe = await withDeadline(opening, timeoutMs);
    await withDeadline(probe.roundTripMs(timeoutMs), timeoutMs);
    return { answered: true, ms: performance.now() - start };
  } catch (error) {
    return { answered: false, ms: performance.now() - start, error: (error as Error).message };
  } finally {
    // closed even when it opens after the deadline
    void opening.then(
      (probe) => probe.close(),
      () => undefined,
    );
  }
}

function withDeadline<T>(work: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  work.catch(() => undefined); // a connect that fails after the deadline must not go unhandled
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

export const describeOutcome = (via: string, o: ProbeOutcome): string =>
  o.answered ? `a probe via ${via} answered in ${o.ms.toFixed(1)} ms` : `a probe via ${via} failed after ${o.ms.toFixed(0)} ms (${o.error})`;
