// Transparent interposition for a system given as a compose file: the team's code dials `db:5432`
// as it always does, and reaches that edge's Toxiproxy proxy. A network alias is per network, so
// each caller gets a network of its own, in which the Toxiproxy container answers under the names
// of the callee instances that caller calls; the real callees answer on the run's backbone network
// as `<name>-real`, which is where each proxy's upstream points. A connection arriving at
// Toxiproxy's address in caller C's network on port P (the callee's port) is sent by an iptables
// REDIRECT in Toxiproxy's own network namespace to the port of the proxy for edge C->callee, so
// every edge is its own proxy and can be faulted alone. Checked on this engine (20.10): a client
// dialing `redis:6379` gets PONG through the proxy, 316 ms with a 300 ms latency toxic.

import type { ContainerRuntimeClient } from 'testcontainers';
import type { System } from '../system/system.ts';
import type { ContainerControl } from './docker-parts.ts';

export interface CallerNetwork {
  caller: string;
  network: string;
  /** the edges it calls out on: each callee instance it names, the port it dials, and the edge */
  calls: { edge: string; callee: string; port: number }[];
}

/** The name a callee's real container answers to on the backbone, its own name being Toxiproxy's in its callers' networks. */
export const realAlias = (instance: string): string => `${instance}-real`;

/**
 * One network per caller part (its replicas share it and its edges, as a declared system's do).
 * Two callees of one caller on one port cannot be told apart by the address they dial (both names
 * are Toxiproxy's one address in that network): refused, naming them.
 */
export function callerNetworks(system: System, backbone: string): CallerNetwork[] {
  const byCaller = new Map<string, CallerNetwork>();
  for (const e of system.edges) {
    const entry = byCaller.get(e.from) ?? { caller: e.from, network: `${backbone}-${e.from}`, calls: [] };
    const twin = entry.calls.find((c) => c.port === e.port);
    if (twin !== undefined)
      throw new Error(`${system.name}: ${e.from} calls ${twin.callee} and ${e.instance} on the same port ${e.port}; a compose system's edges are told apart by the port the caller dials, so one of them must listen on another port (or declare the system without compose, with {{edge}} templates)`);
    entry.calls.push({ edge: e.name, callee: e.instance, port: e.port });
    byCaller.set(e.from, entry);
  }
  return [...byCaller.values()];
}

/**
 * Connects the Toxiproxy container to every caller network under its callees' names and adds the
 * REDIRECT rules; returns a line per caller for the progress display. Must run before any caller starts.
 */
export async function interpose(client: ContainerRuntimeClient, toxiproxy: ContainerControl, callers: readonly CallerNetwork[], edgePorts: ReadonlyMap<string, number>): Promise<string[]> {
  const docker = client.container.dockerode;
  for (const c of callers) await docker.getNetwork(c.network).connect({ Container: toxiproxy.id, EndpointConfig: { Aliases: c.calls.map((x) => x.callee) } });
  const networks = (await docker.getContainer(toxiproxy.id).inspect()).NetworkSettings.Networks;
  const lines: string[] = [];
  for (const c of callers) {
    const address = networks[c.network]?.IPAddress;
    if (!address) throw new Error(`the toxiproxy container has no address in ${c.network} after joining it`);
    for (const call of c.calls) {
      const to = edgePorts.get(call.edge) as number;
      const rule = ['-t', 'nat', '-A', 'PREROUTING', '-d', address, '-p', 'tcp', '--dport', String(call.port), '-j', 'REDIRECT', '--to-ports', String(to)];
      const out = await toxiproxy.exec(['iptables', '-w', ...rule], { user: 'root' });
      if (out.exitCode !== 0) throw new Error(`iptables ${rule.join(' ')} in the toxiproxy container failed (exit ${out.exitCode}): ${out.output.trim()}`);
    }
    lines.push(`${c.caller} dials ${c.calls.map((x) => `${x.callee}:${x.port}`).join(', ')} -> ${address}`);
  }
  return lines;
}
