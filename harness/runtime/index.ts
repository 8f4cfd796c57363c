// Picks the runtime for `--runtime`: docker (testcontainers) or local (child processes). `auto`
// is docker when an engine answers and faultline's base image is built, else local, and says
// which and why. The docker modules (and testcontainers) are loaded only when docker is asked for,
// or when an engine answers and killed docker runs' leftovers are to be removed.

import { HarnessError } from '../paths.ts';
import { localRuntime } from './local.ts';
import type { Runtime } from './types.ts';

export const RUNTIME_NAMES = ['auto', 'docker', 'local'] as const;
export type RuntimeName = (typeof RUNTIME_NAMES)[number];

export type DockerAvailability = { ok: true; version: string } | { ok: false; why: string };

/** Whether the docker runtime can run here: an engine answers and the base image exists. */
export async function dockerAvailability(): Promise<DockerAvailability> {
  const { engineStatus } = await import('./docker-parts.ts');
  const engine = await engineStatus();
  if (!engine.ok) return engine;
  const [{ planImages }, { connectEngine }] = await Promise.all([import('./images.ts'), import('./docker-parts.ts')]);
  let base: string;
  try {
    base = (await planImages()).base.ref;
  } catch (error) {
    return { ok: false, why: `a Docker engine ${engine.version} answers, but the images cannot be planned: ${(error as Error).message}` };
  }
  try {
    await (await connectEngine()).container.dockerode.getImage(base).inspect();
  } catch {
    return { ok: false, why: `a Docker engine ${engine.version} answers, but faultline's images are not built (no ${base}); run \`npm run setup\`` };
  }
  return engine;
}

/**
 * Removes what killed docker runs left behind (docker-cleanup.ts), whatever the runtime of this
 * run, when an engine answers /_ping within `timeoutMs`. With no engine this costs a file check or
 * one refused connect (at most `timeoutMs` for one that hangs), never the ~1 s testcontainers takes
 * to load. A failure while cleaning is a line of progress, not a reason to refuse a local run.
 */
export async function cleanupDockerIfEngine(progress: (line: string) => void, timeoutMs = 1_000): Promise<string[]> {
  const { dockerHostOf, pingDockerHost } = await import('./docker-ping.ts');
  const dockerHost = dockerHostOf();
  if (dockerHost === undefined || !(await pingDockerHost(dockerHost, timeoutMs).catch(() => false))) return [];
  try {
    const [{ connectEngine }, { cleanupDockerLeftovers }] = await Promise.all([import('./docker-parts.ts'), import('./docker-cleanup.ts')]);
    return await cleanupDockerLeftovers(await connectEngine(), progress);
  } catch (error) {
    progress(`could not look for leftovers of killed docker runs: ${(error as Error).message}`);
    return [];
  }
}

/** How long each part may take to become ready: FAULTLINE_READY_TIMEOUT_MS, else 30 s. */
function readyTimeoutMs(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const raw = env.FAULTLINE_READY_TIMEOUT_MS;
  if (raw === undefined || raw === '') return undefined;
  const ms = Number(raw);
  if (!Number.isInteger(ms) || ms < 100) throw new HarnessError(`FAULTLINE_READY_TIMEOUT_MS="${raw}" must be a whole number of milliseconds >= 100`);
  return ms;
}

export async function getRuntime(name: RuntimeName, progress: (line: string) => void = () => undefined): Promise<Runtime> {
  const timeout = readyTimeoutMs();
  const config = timeout === undefined ? {} : { readyTimeoutMs: timeout };
  switch (name) {
    case 'local':
      return localRuntime(config);
    case 'docker': {
      const { dockerRuntime } = await import('./docker.ts');
      return dockerRuntime(config);
    }
    case 'auto': {
      const docker = await dockerAvailability();
      if (docker.ok) {
        progress(`runtime auto: using docker (engine ${docker.version} answers)`);
        const { dockerRuntime } = await import('./docker.ts');
        return dockerRuntime(config);
      }
      progress(`runtime auto: using local (${docker.why})`);
      return localRuntime(config);
    }
    default:
      throw new HarnessError(`unknown runtime ${JSON.stringify(name)}; runtimes are: ${RUNTIME_NAMES.join(', ')}`);
  }
}
