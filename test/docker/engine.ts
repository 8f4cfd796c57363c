// Whether the docker tests can run here. They skip, saying why, when no engine answers or the
// images are not built (`npm run setup` as root does both); in CI the set-up has started dockerd.

import { execFileSync } from 'node:child_process';
import { LABEL_RUN_ID } from '../../harness/runtime/docker-layout.ts';
import { dockerAvailability } from '../../harness/runtime/index.ts';

export const docker = await dockerAvailability();
export const skipReason = docker.ok ? '' : `skipped: ${docker.why}`;
if (!docker.ok) process.stdout.write(`docker runtime tests ${skipReason}\n`);

/** Names of containers (`docker ps -a`) and networks (`docker network ls`) that carry `runId`. */
export function leftoversOf(runId: string): { containers: string[]; networks: string[] } {
  const list = (args: string[]): string[] => execFileSync('docker', args, { encoding: 'utf8' }).split('\n').filter(Boolean);
  return {
    containers: list(['ps', '-a', '--filter', `label=${LABEL_RUN_ID}=${runId}`, '--format', '{{.Names}}']),
    networks: list(['network', 'ls', '--filter', `label=${LABEL_RUN_ID}=${runId}`, '--format', '{{.Name}}']),
  };
}

/** Every faultline container and network on this engine, whoever made them. */
export function allFaultlineObjects(): string[] {
  const list = (args: string[]): string[] => execFileSync('docker', args, { encoding: 'utf8' }).split('\n').filter(Boolean);
  return [
    ...list(['ps', '-a', '--filter', `label=${LABEL_RUN_ID}`, '--format', 'container {{.Names}}']),
    ...list(['network', 'ls', '--filter', `label=${LABEL_RUN_ID}`, '--format', 'network {{.Name}}']),
  ];
}
