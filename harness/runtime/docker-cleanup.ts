// The docker runtime's reaper. testcontainers' own (Ryuk) is an image no offline machine can pull,
// so this does its job: every container and network of a run carries the run id and its owner
// (pid and start time of the process that started it, and the host it ran on). A run that died
// without stopping (SIGKILL, crash) leaves them behind; the next run — or `removeRun` on a clean
// stop — removes them. A run whose owner is still alive is left alone.

import { hostname } from 'node:os';
import type { ContainerRuntimeClient } from 'testcontainers';
import { LABEL_OWNER, LABEL_OWNER_HOST, LABEL_PART, LABEL_RUN_ID } from './docker-layout.ts';
import { processIdentity } from './processes.ts';

type Dockerode = ContainerRuntimeClient['container']['dockerode'];

interface Found {
  kind: 'container' | 'network';
  id: string;
  name: string;
  labels: Record<string, string>;
}

async function labelled(docker: Dockerode, runId?: string): Promise<Found[]> {
  const filters = JSON.stringify({ label: [runId === undefined ? LABEL_RUN_ID : `${LABEL_RUN_ID}=${runId}`] });
  const [containers, networks] = await Promise.all([docker.listContainers({ all: true, filters }), docker.listNetworks({ filters })]);
  return [
    ...containers.map((c) => ({ kind: 'container' as const, id: c.Id, name: (c.Names[0] ?? c.Id).replace(/^\//, ''), labels: c.Labels ?? {} })),
    ...networks.map((n) => ({ kind: 'network' as const, id: n.Id, name: n.Name, labels: n.Labels ?? {} })),
  ];
}

/** Whether the process named by an owner label (`<pid>:<start time>`) still runs here. */
export async function ownerAlive(owner: string | undefined, ownerHost: string | undefined): Promise<boolean | 'elsewhere'> {
  if (ownerHost !== undefined && ownerHost !== hostname()) return 'elsewhere';
  const [pid, startTime] = (owner ?? '').split(':');
  if (!pid || !/^\d+$/.test(pid)) return false;
  const now = await processIdentity(Number(pid));
  return now !== undefined && now.startTime === startTime;
}

const notFound = (error: unknown): boolean => (error as { statusCode?: number }).statusCode === 404;

/** Removes containers first (force: running ones are killed), then networks. One line per thing. */
async function removeAll(docker: Dockerode, found: readonly Found[]): Promise<string[]> {
  const lines: string[] = [];
  await Promise.all(
    found
      .filter((f) => f.kind === 'container')
      .map(async (c) => {
        try {
          await docker.getContainer(c.id).remove({ force: true, v: true });
          lines.push(`removed container ${c.name} (${c.labels[LABEL_PART] ?? '?'}) of run ${c.labels[LABEL_RUN_ID]}`);
        } catch (error) {
          if (!notFound(error)) lines.push(`could not remove container ${c.name}: ${(error as Error).message}`);
        }
      }),
  );
  for (const n of found.filter((f) => f.kind === 'network')) {
    try {
      await docker.getNetwork(n.id).remove();
      lines.push(`removed network ${n.name} of run ${n.labels[LABEL_RUN_ID]}`);
    } catch (error) {
      if (!notFound(error)) lines.push(`could not remove network ${n.name}: ${(error as Error).message}`);
    }
  }
  return lines;
}

/** Removes whatever is still labelled with `runId` (a stop() that was cut short, or a second look). */
export async function removeRun(client: ContainerRuntimeClient, runId: string): Promise<string[]> {
  return removeAll(client.container.dockerode, await labelled(client.container.dockerode, runId));
}

/**
 * Finds every faultline container and network whose owning process is gone and removes them.
 * `progress` hears about each dead run as it goes; returns one line per thing removed.
 */
export async function cleanupDockerLeftovers(client: ContainerRuntimeClient, progress: (line: string) => void): Promise<string[]> {
  const docker = client.container.dockerode;
  const byRun = new Map<string, Found[]>();
  for (const f of await labelled(docker)) {
    const runId = f.labels[LABEL_RUN_ID] as string;
    byRun.set(runId, [...(byRun.get(runId) ?? []), f]);
  }
  const lines: string[] = [];
  for (const [runId, found] of byRun) {
    const owners = [...new Set(found.map((f) => `${f.labels[LABEL_OWNER] ?? ''}@${f.labels[LABEL_OWNER_HOST] ?? ''}`))];
    const alive = await Promise.all(found.map((f) => ownerAlive(f.labels[LABEL_OWNER], f.labels[LABEL_OWNER_HOST])));
    if (alive.includes('elsewhere')) {
      progress(`docker run ${runId} was started on another host (${owners.join(', ')}): left alone`);
      continue;
    }
    if (alive.includes(true)) {
      progress(`docker run ${runId} is still running (${owners.join(', ')}): left alone`);
      continue;
    }
    progress(`docker run ${runId} ended without stopping its stack: removing its ${found.length} containers and networks`);
    lines.push(...(await removeAll(docker, found)));
  }
  return lines;
}
