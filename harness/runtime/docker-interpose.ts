// Transparent interposition for a system given as a compose file: the team's code dials `db:5432`
// as it always does, and reaches that edge's Toxiproxy proxy. A network alias is per network and a
// container has one address per network, so each edge gets a network of its own: its caller joins
// it, and the Toxiproxy container joins it under the callee's name; the real callee answers on the
// run's backbone network as `<name>-real`, where each proxy's upstream points. A connection that
// arrives at Toxiproxy's address in edge E's network is sent, by an iptables REDIRECT in Toxiproxy's
// own network namespace, to the port of E's proxy. So every edge is its own proxy and can be
// faulted alone, even when a caller's callees all listen on one port (8080, as services often do).
// Checked on this engine (20.10): a client dialing `redis:6379` gets PONG through the proxy,
// 316 ms with a 300 ms latency toxic. Each edge network takes one of the engine's address pools
// (about 30 by default), which bounds the edges of a compose system.

import type { ContainerRuntimeClient } from 'testcontainers';
import type { System } from '../system/system.ts';
import type { ContainerControl } from './docker-parts.ts';

export interface EdgeNetwork {
  edge: string;
  caller: string;
  /** the callee instance, and the port the caller dials it on */
  callee: string;
  port: number;
  network: string;
}

/** The name a callee's real container answers to on the backbone, its own name being Toxiproxy's in its callers' edge networks. */
export const realAlias = (instance: string): string => `${instance}-real`;

/** One network per edge, named after the run's backbone and the edge's place. */
export function edgeNetworks(system: System, backbone: string): EdgeNetwork[] {
  return system.edges.map((e, i) => ({ edge: e.name, caller: e.from, callee: e.instance, port: e.port, network: `${backbone}-e${i}` }));
}

/**
 * Connects the Toxiproxy container to every edge network under its callee's name and adds the
 * REDIRECT rules; returns a line per edge for the progress display. Must run before any caller starts.
 */
export async function interpose(
  client: ContainerRuntimeClient,
  toxiproxy: ContainerControl,
  nets: readonly EdgeNetwork[],
  edgePorts: ReadonlyMap<string, number>,
): Promise<string[]> {
  const docker = client.container.dockerode;
  for (const n of nets) await docker.getNetwork(n.network).connect({ Container: toxiproxy.id, EndpointConfig: { Aliases: [n.callee] } });
  const networks = (await docker.getContainer(toxiproxy.id).inspect()).NetworkSettings.Networks;
  const lines: string[] = [];
  for (const n of nets) {
    const address = networks[n.network]?.IPAddress;
    if (!address) throw new Error(`the toxiproxy container has no address in ${n.network} after joining it`);
    const to = edgePorts.get(n.edge) as number;
    const rule = ['-t', 'nat', '-A', 'PREROUTING', '-d', address, '-p', 'tcp', '--dport', String(n.port), '-j', 'REDIRECT', '--to-ports', String(to)];
    const out = await toxiproxy.exec(['iptables', '-w', ...rule], { user: 'root' });
    if (out.exitCode !== 0) throw new Error(`iptables ${rule.join(' ')} in the toxiproxy container failed (exit ${out.exitCode}): ${out.output.trim()}`);
    lines.push(`${n.caller} dials ${n.callee}:${n.port} -> ${address}`);
  }
  return lines;
}
