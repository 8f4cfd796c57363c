// The one place a Toxiproxy toxic becomes a fault: add it to the edge's proxy, prove it with a
// protocol probe (round trip before vs after), and on removal check it was still in force.

import type { StartedStack } from '../runtime/types.ts';
import { addToxic, listToxics, removeToxic, type ToxicSpec } from '../runtime/toxiproxy.ts';
import type { FieldProblem } from '../verdict/slo.ts';
import type { ActiveFault, Proof } from './types.ts';
import { medianRoundTripMs, openProbe } from './probe.ts';

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
  let beforeMs: number;
  try {
    beforeMs = await medianRoundTripMs(probe, PROBE_TRIES, 2000);
    await addToxic(stack.toxiproxyUrl, edge.proxy, toxic);
  } catch (error) {
    await probe.close();
    throw error;
  }
  const listed = async (): Promise<boolean> => (await listToxics(stack.toxiproxyUrl, edge.proxy)).some((t) => t.name === toxic.name);
  let removed = false;

  return {
    async prove(): Promise<Proof> {
      if (!(await listed())) return { landed: false, evidence: `toxic ${toxic.name} is not listed on proxy ${edge.proxy} after it was added` };
      let afterMs: number;
      try {
        afterMs = await medianRoundTripMs(probe, PROBE_TRIES, Math.max(2000, expectedExtraMs * 6));
      } catch (error) {
        return { landed: false, evidence: `probe via ${edgeName} failed after the toxic was added: ${(error as Error).message}` };
      }
      const extra = afterMs - beforeMs;
      const landed = extra >= expectedExtraMs;
      const evidence = `${toxic.type} toxic listed on ${edge.proxy} ${JSON.stringify(toxic.attributes)}; probe round trip via ${edgeName} ${beforeMs.toFixed(1)} ms before, ${afterMs.toFixed(1)} ms after (+${extra.toFixed(1)} ms, needed +${expectedExtraMs.toFixed(0)} ms)`;
      return { landed, evidence };
    },
    async remove(): Promise<Proof> {
      if (removed) return { landed: true, evidence: 'already removed' };
      removed = true;
      try {
        const stillThere = await listed();
        if (stillThere) await removeToxic(stack.toxiproxyUrl, edge.proxy, toxic.name);
        return stillThere
          ? { landed: true, evidence: `toxic ${toxic.name} was in force until removed` }
          : { landed: false, evidence: `toxic ${toxic.name} had vanished from ${edge.proxy} before its scheduled end` };
      } finally {
        await probe.close();
      }
    },
  };
}
