// The one place a Toxiproxy toxic becomes a fault: add it to the edge's proxy, prove it with a
// protocol probe (round trip before vs after), and on removal check it was still in force and
// that the system itself sent traffic across the edge meanwhile (harness/faults/traffic.ts).

import type { StartedStack } from '../runtime/types.ts';
import { addToxic, listToxics, removeToxic, type ToxicSpec } from '../runtime/toxiproxy.ts';
import type { FieldProblem } from '../verdict/slo.ts';
import type { ActiveFault, Proof } from './types.ts';
import { medianRoundTripMs, openProbe } from './probe.ts';
import { trafficCounters, trafficProof, type StreamBytes } from './traffic.ts';

export function edgeProblems(edge: unknown, edges: readonly string[]): FieldProblem[] {
  if (typeof edge === 'string' && edges.includes(edge)) return [];
  return [{ field: 'edge', text: `${JSON.stringify(edge)} is not an edge; edges are: ${edges.join(', ')}` }];
}

export interface ToxicFaultOptions extends ToxicSpec {
  /** how much longer a probe round trip must get for the toxic to count as landed */
  expectedExtraMs: number;
}

const PROBE_TRIES = 3;

export async function toxicFault(stack: StartedStack, edgeName: string, options: ToxicFaultOptions): Promise<ActiveFault> {
  const edge = stack.edges[edgeName];
  if (edge === undefined) throw new Error(`edge ${edgeName} is not part of this stack (edges: ${Object.keys(stack.edges).join(', ')})`);
  const { expectedExtraMs, ...toxic } = options;
  const probe = await openProbe(edge);
  const counters = trafficCounters(stack.toxiproxyUrl, edge.proxy, toxic.name);
  let beforeMs: number;
  try {
    beforeMs = await medianRoundTripMs(probe, PROBE_TRIES, 2000);
    await addToxic(stack.toxiproxyUrl, edge.proxy, toxic);
    try {
      await counters.add();
    } catch (error) {
      // no half-applied fault: without its counters it could never prove it landed
      await removeToxic(stack.toxiproxyUrl, edge.proxy, toxic.name).catch(() => undefined);
      await counters.remove().catch(() => undefined);
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
    let afterMs: number;
    try {
      afterMs = await medianRoundTripMs(probe, PROBE_TRIES, Math.max(2000, expectedExtraMs * 6));
    } catch (error) {
      return { landed: false, evidence: `probe via ${edgeName} failed after the toxic was added: ${(error as Error).message}` };
    }
    afterProof = await counters.read().catch((error: unknown) => (error as Error).message);
    const extra = afterMs - beforeMs;
    const landed = extra >= expectedExtraMs;
    const evidence = `${toxic.type} toxic listed on ${edge.proxy} ${JSON.stringify(toxic.attributes)}; probe round trip via ${edgeName} ${beforeMs.toFixed(1)} ms before, ${afterMs.toFixed(1)} ms after (+${extra.toFixed(1)} ms, needed +${expectedExtraMs.toFixed(0)} ms)`;
    return { landed, evidence };
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
        if (stillThere) await removeToxic(stack.toxiproxyUrl, edge.proxy, toxic.name);
        if (!stillThere) return { landed: false, evidence: `toxic ${toxic.name} had vanished from ${edge.proxy} before its scheduled end` };
        return trafficProof(edgeName, afterProof, atRemoval);
      } finally {
        await counters.remove().catch(() => undefined);
        await probe.close();
      }
    },
  };
}
