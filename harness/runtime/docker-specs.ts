// What each part of a system runs as in the docker runtime: the container spec of a built-in part
// (Postgres, Redis from faultline's images), and of a service part (its compose service's image or
// build, its declaration's image or build, or its command in faultline's node image over its
// mounted package folder), with its environment, mounts and readiness.

import { existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { type ContainerRuntimeClient, GenericContainer, Wait, type WaitStrategy } from 'testcontainers';
import { HarnessError } from '../paths.ts';
import type { ResolvedPart, System } from '../system/system.ts';
import { POSTGRES_OVERRIDE_ENV, POSTGRES_OVERRIDE_READY } from './image-overrides.ts';
import type { ImagePlan } from './images.ts';
import { partCommand, partEnv } from './part-env.ts';

/** A Docker healthcheck as testcontainers takes it (a compose file's, converted). */
type HealthCheck = Parameters<GenericContainer['withHealthCheck']>[0];

type ServicePart = Extract<ResolvedPart, { kind: 'service' }>;

/** How the edges look from inside the network: `toxiproxy:<port>` of each edge's proxy. */
type InNetworkEdges = Readonly<Record<string, { inNetwork: string }>>;

const ms = (since: number): number => Math.round(performance.now() - since);

export interface PartSpec {
  part: string;
  /** the image reference to run */
  image: string;
  network: string;
  aliases: string[];
  /** networks it joins too, before it starts (a compose system's caller: each of its edges') */
  moreNetworks?: { network: string; aliases: string[] }[];
  wait: WaitStrategy;
  command?: string[];
  env?: Record<string, string>;
  /** container ports to publish, each on a free port of 127.0.0.1 (see StartedPart.publish) */
  publish?: number[];
  mounts?: { source: string; target: string; mode: 'ro' | 'rw' }[];
  workingDir?: string;
  healthCheck?: HealthCheck;
}

/** The nearest folder at or above `dir` with a package.json (what a Node service needs mounted: its node_modules). */
function packageRoot(dir: string): string {
  for (let d = dir; ; d = dirname(d)) {
    if (existsSync(join(d, 'package.json'))) return d;
    if (dirname(d) === d) return dir;
  }
}

/** A service part's Dockerfile build, from its compose service or its declaration (context absolute). */
export function buildOf(system: System, part: ServicePart): { context: string; dockerfile?: string } | undefined {
  const compose = system.compose?.services[part.name];
  if (compose !== undefined) return compose.image === undefined ? compose.build : undefined;
  if (part.image !== undefined || part.build === undefined) return undefined;
  return { context: join(system.root, part.build.context), ...(part.build.dockerfile ? { dockerfile: part.build.dockerfile } : {}) };
}

/** How testcontainers tells the part is ready: its compose healthcheck, else its declared readiness. */
function waitFor(system: System, part: ServicePart): { wait: WaitStrategy; healthCheck?: PartSpec['healthCheck'] } {
  const hc = system.compose?.services[part.name]?.healthcheck;
  if (hc !== undefined) {
    const test: HealthCheck['test'] = hc.test[0] === 'sh' && hc.test[1] === '-c' ? ['CMD-SHELL', hc.test[2] as string] : ['CMD', ...hc.test];
    return {
      wait: Wait.forHealthCheck(),
      healthCheck: { test, interval: hc.intervalMs, timeout: hc.timeoutMs, retries: hc.retries, startPeriod: hc.startPeriodMs },
    };
  }
  const r = part.readiness;
  if ('http' in r) return { wait: Wait.forHttp(r.http, part.port, { abortOnContainerExit: true }).withReadTimeout(500) };
  if ('tcp' in r) return { wait: Wait.forListeningPorts() };
  return { wait: Wait.forSuccessfulCommand(r.command.map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ')) };
}

/** What a service part runs from: an image ref, and whether it is faultline's node image (a command run over a mounted folder). */
export interface ServiceImage {
  ref: string;
  nodeImage: boolean;
}

/** Each service part's image: its compose service's (built when it has a build), its declaration's, or faultline's node image. */
export async function imagesOfServices(
  client: ContainerRuntimeClient,
  system: System,
  plan: ImagePlan,
  progress: (line: string) => void,
): Promise<Map<string, ServiceImage>> {
  const out = new Map<string, ServiceImage>();
  for (const part of Object.values(system.parts)) {
    if (part.kind !== 'service') continue;
    const compose = system.compose?.services[part.name];
    const build = buildOf(system, part);
    if (build !== undefined) {
      const tag = `faultline/${system.name}-${part.name}:latest`;
      const t0 = performance.now();
      try {
        await GenericContainer.fromDockerfile(build.context, build.dockerfile ?? 'Dockerfile')
          .withCache(true)
          .build(tag, { deleteOnExit: false });
      } catch (error) {
        throw new HarnessError(
          `${system.name}: the image of part ${part.name} did not build from ${build.context} (${build.dockerfile ?? 'Dockerfile'}): ${(error as Error).message.split('\n')[0]}; no image registry is reachable here, so its FROM must name an image this engine has (faultline's set-up builds faultline/debian:bookworm)`,
        );
      }
      progress(`${part.name}: image ${tag} built from ${relative(process.cwd(), build.context) || '.'} in ${ms(t0)} ms`);
      out.set(part.name, { ref: tag, nodeImage: false });
      continue;
    }
    const image = compose?.image ?? part.image;
    if (image !== undefined) {
      const present = await client.container.dockerode
        .getImage(image)
        .inspect()
        .then(
          () => true,
          () => false,
        );
      if (!present)
        throw new HarnessError(
          `${system.name}: part ${part.name} runs image ${image}, which this engine does not have, and no image registry is reachable here: build it (docker build -t ${image} ...) or give the part a build`,
        );
      out.set(part.name, { ref: image, nodeImage: false });
      continue;
    }
    out.set(part.name, { ref: plan.images.node.ref, nodeImage: true });
  }
  return out;
}

/** One service instance's container: image, command, environment, mounts, readiness and published port. */
export function serviceSpec(
  system: System,
  part: ServicePart,
  replica: number,
  disabled: readonly string[],
  image: ServiceImage,
  edges: InNetworkEdges,
): Omit<PartSpec, 'part' | 'network' | 'aliases'> {
  const compose = system.compose?.services[part.name];
  const mountRoot = packageRoot(system.root);
  const root = image.nodeImage ? join('/app', relative(mountRoot, system.root)) : system.root;
  const at = { host: '0.0.0.0', port: part.port, replica, node: 'node', root, edgeAddress: (edge: string) => edges[edge]?.inNetwork };
  const { wait, healthCheck } = waitFor(system, part);
  // compose: the team's own environment (transparent); the switches still apply
  const env = compose !== undefined ? { ...compose.environment, ...partEnv(system, { ...part, env: {} }, disabled, at) } : partEnv(system, part, disabled, at);
  const command = compose !== undefined ? compose.command : partCommand(system, part, disabled, at);
  return {
    image: image.ref,
    wait,
    ...(healthCheck === undefined ? {} : { healthCheck }),
    env: { ...env, ...(process.env.NO_COLOR === undefined ? {} : { NO_COLOR: process.env.NO_COLOR }) },
    ...(command === undefined ? {} : { command }),
    publish: [part.port],
    ...(image.nodeImage ? { mounts: [{ source: mountRoot, target: '/app', mode: 'ro' as const }], workingDir: root } : {}),
    ...(compose !== undefined && compose.volumes.length > 0
      ? { mounts: compose.volumes.map((v) => ({ source: v.source, target: v.target, mode: v.readOnly ? ('ro' as const) : ('rw' as const) })) }
      : {}),
  };
}

/**
 * A postgres part: faultline's image has its cluster made at build time and says it is ready once;
 * an image named by FAULTLINE_IMAGE_POSTGRES (the official one) gets the POSTGRES_* variables it
 * makes its cluster from, and is awaited by pg_isready, since it prints the ready line twice.
 */
export function postgresSpec(name: string, plan: ImagePlan, network: string, alias: string): PartSpec {
  const spec = { part: name, image: plan.images.postgres.ref, network, aliases: [alias] };
  if (!plan.images.postgres.override) return { ...spec, wait: Wait.forLogMessage(/database system is ready to accept connections/) };
  return { ...spec, env: { ...POSTGRES_OVERRIDE_ENV }, wait: Wait.forSuccessfulCommand(POSTGRES_OVERRIDE_READY) };
}

/** A redis part, from faultline's image. */
export function redisSpec(name: string, plan: ImagePlan, network: string, alias: string): PartSpec {
  return { part: name, image: plan.images.redis.ref, network, aliases: [alias], wait: Wait.forLogMessage(/Ready to accept connections/) };
}
