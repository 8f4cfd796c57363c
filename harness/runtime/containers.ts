// The labels that tie a container or network to its run (and to the process that owns it), and a
// GenericContainer that publishes its ports on 127.0.0.1 only and joins one network with aliases.

import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { GenericContainer, getContainerRuntimeClient } from 'testcontainers';
import { PROJECT_ROOT } from '../paths.ts';
import { LABEL_CHECKOUT, LABEL_OWNER, LABEL_OWNER_HOST, LABEL_RUN_ID } from './docker-layout.ts';

function ownStartTime(): string {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? '';
}

export function runLabels(runId: string): Record<string, string> {
  return {
    [LABEL_RUN_ID]: runId,
    [LABEL_OWNER]: `${process.pid}:${ownStartTime()}`,
    [LABEL_OWNER_HOST]: hostname(),
    [LABEL_CHECKOUT]: PROJECT_ROOT,
  };
}

/** A container of the stack: ports published on 127.0.0.1 only, one network, DNS aliases in it. */
export class StackContainer extends GenericContainer {
  /** Publishes `containerPort` on 127.0.0.1:`hostPort` (never on other interfaces). */
  withLoopbackPort(containerPort: number, hostPort: number): this {
    this.createOpts.ExposedPorts = { ...this.createOpts.ExposedPorts, [`${containerPort}/tcp`]: {} };
    this.hostConfig.PortBindings = { ...this.hostConfig.PortBindings, [`${containerPort}/tcp`]: [{ HostIp: '127.0.0.1', HostPort: String(hostPort) }] };
    this.exposedPorts = [...this.exposedPorts, { container: containerPort, host: hostPort }];
    return this;
  }

  /**
   * Joins only `network` (not the default bridge as well), reachable there by `aliases`.
   * testcontainers' own withNetworkAliases connects a second network after create.
   */
  withOnlyNetwork(network: string, ...aliases: string[]): this {
    this.withNetworkMode(network);
    this.createOpts.NetworkingConfig = { EndpointsConfig: { [network]: { Aliases: aliases } } };
    return this;
  }

  private extraNetworks: { network: string; aliases: string[] }[] = [];

  /**
   * Joins these networks too, after the container is made and before it starts, so its process
   * resolves names in all of them from its first instruction (the engine's API takes one network
   * at create).
   */
  withMoreNetworks(networks: readonly { network: string; aliases: string[] }[]): this {
    this.extraNetworks = [...this.extraNetworks, ...networks];
    return this;
  }

  protected override async containerCreated(containerId: string): Promise<void> {
    if (this.extraNetworks.length === 0) return;
    const docker = (await getContainerRuntimeClient()).container.dockerode;
    for (const { network, aliases } of this.extraNetworks)
      await docker.getNetwork(network).connect({ Container: containerId, EndpointConfig: { Aliases: aliases } });
  }
}
