// A partition of one edge: its Toxiproxy proxy disabled, which closes the listener and every
// connection through it, so each connect is refused until the proxy is enabled again at removal
// (on docker, the engine's port mapper accepts the connect and closes it at once instead).
// No toxic and no bytes to count: proven by connects that worked just before and are refused
// after, and on removal by the proxy still disabled until then and a connect that works again.

import { connect } from 'node:net';
import type { FieldProblem } from '../fields.ts';
import { getProxy, setProxyEnabled } from '../runtime/toxiproxy.ts';
import type { EdgeEndpoint } from '../runtime/types.ts';
import { assertLoopback } from '../safety.ts';
import type { System } from '../system/system.ts';
import { leasesAt } from './lease.ts';
import { edgeOf, targetProblems } from './toxic.ts';
import type { ActiveFault, FaultModule, FaultSpec, Proof } from './types.ts';

export interface PartitionParams {
  edge: string;
}

export const partition = (params: PartitionParams): FaultSpec<'partition', PartitionParams> => ({ kind: 'partition', params });

const CONNECTS = 3;
/** How long a connect must stay open to count as working (see connectOutcome). */
export const HOLD_MS = 100;
/** A connect that a port mapper accepted and closed at once: nothing listens behind it. */
export const CLOSED_AT_ONCE = 'closed at once';

/**
 * 'connected', CLOSED_AT_ONCE, or the error code of one TCP connect to the edge's listen address.
 * On the docker runtime the listen address is a port published by the engine: its port mapper
 * accepts every connect itself and closes it at once when the proxy behind it refuses, so a
 * connect only counts as working when it is still open after HOLD_MS.
 */
export function connectOutcome(edge: EdgeEndpoint, timeoutMs = 1000): Promise<string> {
  assertLoopback(edge.listen, `the probe of ${edge.edge}`);
  const i = edge.listen.lastIndexOf(':');
  return new Promise((resolve) => {
    const socket = connect({ host: edge.listen.slice(0, i), port: Number(edge.listen.slice(i + 1)) });
    let settled = false;
    let hold: NodeJS.Timeout | undefined;
    const done = (outcome: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(hold);
      socket.destroy();
      resolve(outcome);
    };
    socket.setTimeout(timeoutMs, () => done('ETIMEDOUT'));
    socket.once('connect', () => {
      hold = setTimeout(() => done('connected'), HOLD_MS);
    });
    socket.once('end', () => done(CLOSED_AT_ONCE));
    socket.once('close', () => done(CLOSED_AT_ONCE));
    socket.once('error', (error: NodeJS.ErrnoException) => done(error.code === 'ECONNRESET' ? CLOSED_AT_ONCE : (error.code ?? error.message)));
  });
}

/** Refused, or accepted by a port mapper and closed at once: either way nothing listens. */
export const isRefused = (outcome: string): boolean => outcome === 'ECONNREFUSED' || outcome === CLOSED_AT_ONCE;

/** CONNECTS connects at once (so the probe costs one HOLD_MS, not three). */
function connects(edge: EdgeEndpoint): Promise<string[]> {
  return Promise.all(Array.from({ length: CONNECTS }, () => connectOutcome(edge)));
}

const tally = (outcomes: readonly string[]): string =>
  Object.entries(
    outcomes.reduce<Record<string, number>>((acc, o) => {
      acc[o] = (acc[o] ?? 0) + 1;
      return acc;
    }, {}),
  )
    .map(([o, n]) => `${n} ${o}`)
    .join(', ');

export const partitionFault: FaultModule<PartitionParams, 'partition'> = {
  kind: 'partition',
  make: partition,
  fields: ['edge'] satisfies (keyof PartitionParams)[],
  validate: (raw: unknown, system: System): FieldProblem[] => targetProblems((raw ?? {}) as Partial<PartitionParams>, system),
  target: (p) => p.edge,
  describe: (p) => `partition of ${p.edge} (its proxy disabled: every connect refused)`,
  async apply(stack, p): Promise<ActiveFault> {
    const edge = edgeOf(stack, p.edge);
    const before = await connects(edge);
    if (before.some((o) => o !== 'connected'))
      throw new Error(`${p.edge} was not reachable before the partition (${tally(before)} of ${CONNECTS} connects to ${edge.listen})`);
    const leases = leasesAt(stack.toxiproxyUrl); // Toxiproxy enables the proxy itself if we die (lease.ts)
    await leases.hold({ proxy: edge.proxy });
    await setProxyEnabled(stack.toxiproxyUrl, edge.proxy, false);
    let removed = false;
    return {
      async prove(): Promise<Proof> {
        const state = await getProxy(stack.toxiproxyUrl, edge.proxy);
        if (state.enabled) return { landed: false, evidence: `proxy ${edge.proxy} is still enabled after it was disabled` };
        const after = await connects(edge);
        const refused = after.filter(isRefused).length;
        return {
          landed: refused === CONNECTS,
          evidence: `proxy ${edge.proxy} disabled; connects to ${edge.listen}: ${CONNECTS} of ${CONNECTS} connected before, ${refused} of ${CONNECTS} refused after (${tally(after)})`,
        };
      },
      async remove(): Promise<Proof> {
        if (removed) return { landed: true, evidence: 'already removed' };
        const state = await getProxy(stack.toxiproxyUrl, edge.proxy);
        const lapsed = state.enabled ? await leases.lapseNote({ proxy: edge.proxy }) : '';
        if (!state.enabled) await setProxyEnabled(stack.toxiproxyUrl, edge.proxy, true);
        await leases.release({ proxy: edge.proxy });
        removed = true;
        const again = await connects(edge);
        if (again.some((o) => o !== 'connected'))
          throw new Error(`${p.edge} did not come back after the partition: proxy ${edge.proxy} re-enabled, but connects to ${edge.listen}: ${tally(again)}`);
        if (state.enabled) return { landed: false, evidence: `proxy ${edge.proxy} had been enabled again before the partition's scheduled end${lapsed}` };
        return {
          landed: true,
          evidence: `proxy ${edge.proxy} was disabled until its removal; enabled again, ${CONNECTS} of ${CONNECTS} connects to ${edge.listen} work`,
        };
      },
    };
  },
};
