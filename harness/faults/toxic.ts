// The one place a Toxiproxy toxic becomes a fault: targeting (edge, stream, toxicity) validated
// and described once for every toxic kind; the toxic added to the edge's proxy and proven with a
// protocol probe (harness/faults/landing.ts: slower, broken, throttled or slow-close); and on
// removal a check that it was still in force and that the system itself sent traffic across the
// edge meanwhile (harness/faults/traffic.ts).

import type { FieldProblem } from '../fields.ts';
import { addToxic, listToxics, removeToxic, type ToxicAttributes, type ToxicStream, type ToxicType } from '../runtime/toxiproxy.ts';
import type { EdgeEndpoint, StartedStack } from '../runtime/types.ts';
import { edgeNames, type System } from '../system/system.ts';
import { type Before, type Landing, measureBefore, proveLanding } from './landing.ts';
import { leasesAt } from './lease.ts';
import { openProbe } from './probe.ts';
import { type StreamBytes, trafficCounters, trafficProof } from './traffic.ts';
import type { ActiveFault, Proof } from './types.ts';

/** Where a toxic goes: the edge, the direction of the stream and the share of connections. */
export interface ToxicTarget {
  edge: string;
  /** downstream (server -> client answers, the default) or upstream (client -> server requests) */
  stream?: ToxicStream;
  /** share of connections that get the toxic, in (0, 1]; default 1 */
  toxicity?: number;
}

export const STREAMS: readonly ToxicStream[] = ['downstream', 'upstream'];

export function edgeProblems(edge: unknown, system: System): FieldProblem[] {
  const edges = edgeNames(system);
  if (typeof edge === 'string' && edges.includes(edge)) return [];
  return [{ field: 'edge', text: `${JSON.stringify(edge)} is not an edge; edges are: ${edges.join(', ')}` }];
}

/** Problems with the targeting fields a module takes (edge always; stream and toxicity when given). */
export function targetProblems(p: Partial<ToxicTarget>, system: System): FieldProblem[] {
  const out = edgeProblems(p.edge, system);
  if (p.stream !== undefined && !STREAMS.includes(p.stream))
    out.push({ field: 'stream', text: `${JSON.stringify(p.stream)} is not a stream; streams are: ${STREAMS.join(', ')}` });
  if (p.toxicity !== undefined && (typeof p.toxicity !== 'number' || !(p.toxicity > 0) || p.toxicity > 1))
    out.push({ field: 'toxicity', text: `${JSON.stringify(p.toxicity)} must be the share of connections hit, a number in (0, 1]` });
  return out;
}

/** A number field in [min, max] (or (min, max] with `exclusiveMin`), or a problem naming it. */
export function numberProblem(
  field: string,
  value: unknown,
  range: { min: number; max: number; exclusiveMin?: boolean; integer?: boolean },
  unit: string,
): FieldProblem[] {
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (range.exclusiveMin ? value > range.min : value >= range.min) &&
    value <= range.max &&
    (!range.integer || Number.isInteger(value));
  if (ok) return [];
  return [
    {
      field,
      text: `${JSON.stringify(value)} must be ${range.integer ? 'a whole number' : 'a number'} of ${unit} in ${range.exclusiveMin ? '(' : '['}${range.min}, ${range.max}]`,
    },
  ];
}

/** "on api->db (upstream, 50% of connections)": only what differs from the defaults. */
export function targetText(p: ToxicTarget): string {
  const extras = [
    p.stream === 'upstream' ? 'upstream' : undefined,
    p.toxicity !== undefined && p.toxicity < 1 ? `${Math.round(p.toxicity * 100)}% of connections` : undefined,
  ].filter(Boolean);
  return `on ${p.edge}${extras.length ? ` (${extras.join(', ')})` : ''}`;
}

export function edgeOf(stack: StartedStack, edgeName: string): EdgeEndpoint {
  const edge = stack.edges[edgeName];
  if (edge === undefined) throw new Error(`edge ${edgeName} is not part of this stack (edges: ${Object.keys(stack.edges).join(', ')})`);
  return edge;
}

export interface ToxicFault<T extends ToxicType> {
  /** unique per proxy: the fault's id */
  name: string;
  type: T;
  attributes: ToxicAttributes[T];
  /** what the probe must see change */
  landing: Landing;
  /** share of probe round trips the fault should hit; default the toxicity (packet loss: loss rate x toxicity) */
  share?: number;
}

export async function toxicFault<T extends ToxicType>(stack: StartedStack, target: ToxicTarget, fault: ToxicFault<T>): Promise<ActiveFault> {
  const edge = edgeOf(stack, target.edge);
  const toxicity = target.toxicity ?? 1;
  const share = fault.share ?? toxicity;
  const toxic = { name: fault.name, type: fault.type, stream: target.stream ?? 'downstream', toxicity, attributes: fault.attributes };
  const probe = await openProbe(edge);
  const counters = trafficCounters(stack.toxiproxyUrl, edge.proxy, toxic.name);
  const leases = leasesAt(stack.toxiproxyUrl); // Toxiproxy removes the toxic itself if we die (lease.ts)
  const leased = { proxy: edge.proxy, toxic: toxic.name };
  let before: Before;
  try {
    before = await measureBefore(edge, probe, fault.landing, share);
    // the counters first (they change nothing), the toxic last: the schedule stamps the fault as
    // applied when this returns, so nothing else may stand between the toxic and that stamp
    try {
      await counters.add();
      await leases.hold(leased); // before the toxic: no kill between the two leaves it unleased
      await addToxic(stack.toxiproxyUrl, edge.proxy, toxic);
    } catch (error) {
      // no half-applied fault: without its counters it could never prove it landed
      await counters.remove().catch(() => undefined);
      await leases.release(leased).catch(() => undefined);
      throw error;
    }
  } catch (error) {
    await probe.close();
    throw error;
  }
  const listed = async (): Promise<boolean> => (await listToxics(stack.toxiproxyUrl, edge.proxy)).some((t) => t.name === toxic.name);
  let removed = false;
  let proving: Promise<unknown> = Promise.resolve();
  // the counters once the proof (and its probe traffic) is over; a string says why they are not known
  let afterProof: StreamBytes | string = 'the fault was removed before its proof finished';

  const proveOnce = async (): Promise<Proof> => {
    if (!(await listed())) return { landed: false, evidence: `toxic ${toxic.name} is not listed on proxy ${edge.proxy} after it was added` };
    const proof = await proveLanding(edge, probe, fault.landing, share, before);
    afterProof = await counters.read().catch((error: unknown) => (error as Error).message);
    const settings = `${toxic.type} toxic listed on ${edge.proxy} (${toxic.stream}, toxicity ${toxicity}) ${JSON.stringify(toxic.attributes)}`;
    return { landed: proof.landed, evidence: `${settings}; ${proof.evidence}` };
  };

  return {
    prove(): Promise<Proof> {
      const proof = proveOnce();
      proving = proof.catch(() => undefined);
      return proof;
    },
    async remove(): Promise<Proof> {
      if (removed) return { landed: true, evidence: 'already removed' };
      removed = true;
      try {
        await proving; // the traffic window opens when the proof is over
        const stillThere = await listed();
        const atRemoval = await counters.read().catch((error: unknown) => (error as Error).message);
        const lapsed = stillThere ? '' : await leases.lapseNote(leased);
        if (stillThere) await removeToxic(stack.toxiproxyUrl, edge.proxy, toxic.name);
        await leases.release(leased);
        if (!stillThere) return { landed: false, evidence: `toxic ${toxic.name} had vanished from ${edge.proxy} before its scheduled end${lapsed}` };
        return trafficProof(target.edge, afterProof, atRemoval);
      } finally {
        await counters.remove().catch(() => undefined);
        await probe.close();
      }
    },
  };
}
