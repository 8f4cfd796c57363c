// IP-level packet loss at one part: an iptables `statistic` DROP rule in the part's container's
// own network namespace drops `probability` of the packets arriving there — from its callers (all
// through Toxiproxy) and the answers of its own dependencies alike — so TCP retransmits, stalls and
// times out as on a lossy network, below every protocol. Docker runtime only (a process on the
// local runtime has no namespace of its own); the scenario is refused before boot elsewhere.
// Proven by the rule's own counter (packets dropped > 0 since it was added, against all that
// arrived, counted by a rule of its own ahead of it), after fresh probes into the part have sent
// it packets; removal deletes both rules and checks they are no longer listed.

import type { FieldProblem } from '../fields.ts';
import type { DockerStack } from '../runtime/docker.ts';
import type { PacketDrop } from '../runtime/docker-parts.ts';
import type { System } from '../system/system.ts';
import { samplesFor } from './landing.ts';
import { freshRoundTrip, type PartParams, partProblems, probeTarget } from './part.ts';
import { numberProblem } from './toxic.ts';
import type { FaultModule, FaultSpec, Proof } from './types.ts';

export interface IpLossParams extends PartParams {
  /** chance, in (0, 1], that a packet arriving at the part is dropped */
  probability: number;
}

export const ipLoss = (params: IpLossParams): FaultSpec<'ipLoss', IpLossParams> => ({ kind: 'ipLoss', params });

/** A probe that waits longer only waits on TCP's retransmits (1 s for a lost SYN). */
const PROBE_TIMEOUT_MS = 1000;
const CONCURRENCY = 10;

const percent = (share: number): string => `${Math.round(share * 1000) / 10}%`;

export const ipLossFault: FaultModule<IpLossParams, 'ipLoss'> = {
  kind: 'ipLoss',
  make: ipLoss,
  fields: ['part', 'probability'] satisfies (keyof IpLossParams)[],
  runtimes: ['docker'],
  validate(raw: unknown, system: System): FieldProblem[] {
    const p = (raw ?? {}) as Partial<IpLossParams>;
    return [...partProblems(p.part, system), ...numberProblem('probability', p.probability, { min: 0, max: 1, exclusiveMin: true }, 'chance per packet')];
  },
  target: (p) => p.part,
  describe: (p) => `${percent(p.probability)} of packets arriving at ${p.part} dropped (iptables in its container)`,
  async apply(stack, p, id) {
    if (stack.runtime !== 'docker') throw new Error(`ipLoss needs the docker runtime (iptables in ${p.part}'s container); this stack runs on ${stack.runtime}`);
    const container = (stack as DockerStack).containers[p.part];
    if (container === undefined)
      throw new Error(`${p.part} has no container in this stack (containers: ${Object.keys((stack as DockerStack).containers).join(', ')})`);
    const target = probeTarget(stack, p.part);
    const drop: PacketDrop = await container.dropPackets(p.probability, { label: id });
    const rule = `iptables DROP ${drop.comment} (random ${p.probability}) in ${container.name}`;
    let removed = false;

    /** The rule's drops against what the chain let through since it was added. */
    const tally = async (): Promise<{ listed: boolean; text: string; dropped: number }> => {
      const now = await drop.counters();
      if (now.dropped === undefined) return { listed: false, text: `${drop.comment} is not listed in ${container.name}'s INPUT chain`, dropped: 0 };
      const dropped = now.dropped.packets;
      const arrived = now.seen?.packets ?? dropped;
      return {
        listed: true,
        dropped,
        text: `${dropped} of ${arrived} packets arriving since it was added dropped (${arrived > 0 ? percent(dropped / arrived) : 'n/a'}, asked ${percent(p.probability)}; ${now.dropped.bytes} bytes)`,
      };
    };

    return {
      async prove(): Promise<Proof> {
        // fresh connections into the part send it packets even when the load does not
        const n = samplesFor(p.probability);
        let failed = 0;
        for (let i = 0; i < n; i += CONCURRENCY) {
          const outcomes = await Promise.all(Array.from({ length: Math.min(CONCURRENCY, n - i) }, () => freshRoundTrip(target, PROBE_TIMEOUT_MS)));
          failed += outcomes.filter((o) => !o.answered).length;
        }
        const now = await tally();
        const probes = `${failed} of ${n} fresh probes via ${target.edge} got no answer within ${PROBE_TIMEOUT_MS} ms`;
        return { landed: now.listed && now.dropped > 0, evidence: `${rule}: ${now.text}; ${probes}` };
      },
      async remove(): Promise<Proof> {
        if (removed) return { landed: true, evidence: 'already removed' };
        removed = true;
        const final = await tally().catch((error: unknown) => ({ listed: false, dropped: 0, text: (error as Error).message }));
        const wasThere = await drop.remove();
        if (!wasThere)
          return {
            landed: false,
            evidence: `${drop.comment} had gone from ${container.name} before its scheduled end (container ${await container.state()}): ${final.text}`,
          };
        return { landed: true, evidence: `${drop.comment} deleted from ${container.name} (no longer listed); until then ${final.text}` };
      },
    };
  },
};
