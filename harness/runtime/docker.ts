// The docker runtime: the reference system as containers (testcontainers) on one network per run —
// Postgres, Redis and Toxiproxy first (in parallel), one Toxiproxy proxy per topology edge, then the
// services in dependency order, each dialing its dependencies through its edge's proxy, exactly as
// the local runtime does. Only loopback ports are published: the Toxiproxy API and each proxy (for
// the faults' probes), and each service (the gateway for k6, every service for /metrics).
// Everything carries the run id and its owner (docker-cleanup.ts); stop() removes it all.

import { createWriteStream, existsSync, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { HarnessError, PROJECT_ROOT } from '../paths.ts';
import { EDGES, instancesOf, SERVICES, type EdgeSpec, type ServiceName } from '../topology.ts';
import { attachLogs, connectEngine, controlOf, keepingAlive, type ContainerControl, type StartedPart } from './docker-parts.ts';
import { DEFAULT_DOCKER_SOCKET, pingDockerHost } from './docker-ping.ts';
import { cleanupDockerLeftovers, removeRun } from './docker-cleanup.ts';
import { EDGE_PORT_BASE, LABEL_PART, POSTGRES_PORT, REDIS_PORT, SERVICE_PORT, TOXIPROXY_API_PORT } from './docker-layout.ts';
import { runLabels, StackContainer } from './containers.ts';
import { ensureImages } from './image-build.ts';
import { POSTGRES_OVERRIDE_ENV, POSTGRES_OVERRIDE_READY, requireFaultlineToxics } from './image-overrides.ts';
import { IMAGE_VERSION_LABEL, planImages, type ImagePart, type ImagePlan } from './images.ts';
import { dependencyEnv } from './local.ts';
import { freePort, LOOPBACK } from './ports.ts';
import { serviceEntry } from './services.ts';
import { createProxy } from './toxiproxy.ts';
import { CONTROLLABLE_PARTS } from './parts.ts';
import type { EdgeEndpoint, PartControl, PartState, Runtime, RuntimeOptions, ServiceEndpoint, StartedStack } from './types.ts';
import { Wait, type ContainerRuntimeClient, type WaitStrategy } from 'testcontainers';

export type { ContainerControl } from './docker-parts.ts';

export interface DockerRuntimeConfig {
  /** entry files to run instead of sample-system's; must lie inside the checkout (it is mounted) */
  serviceFiles?: Partial<Record<ServiceName, string>>;
  /** how long each part may take to become ready (default 30 s) */
  readyTimeoutMs?: number;
}

export interface DockerEdgeEndpoint extends EdgeEndpoint {
  /** `listen` is the proxy's port published on 127.0.0.1 (for probes); services dial this one */
  inNetwork: string;
}

export interface DockerStack extends StartedStack {
  runtime: 'docker';
  edges: Record<string, DockerEdgeEndpoint>;
  /** the run's network: every part is in it, and in no other */
  network: string;
  /** every container by part (postgres, redis, toxiproxy, catalog, gateway): kill, restart, pause… */
  containers: Readonly<Record<string, ContainerControl>>;
  /** IP-level faults (tc netem) in this kernel; probed once, when first asked */
  netem(): Promise<{ available: boolean; why: string }>;
}

export interface DockerRuntime extends Runtime {
  readonly name: 'docker';
  check(): Promise<void>;
  start(options: RuntimeOptions): Promise<DockerStack>;
}

export function dockerRuntime(config: DockerRuntimeConfig = {}): DockerRuntime {
  return { name: 'docker', check: checkDocker, start: (options) => startDockerStack(options, config) };
}

/**
 * An engine must answer before anything is made: the one DOCKER_HOST names when it is set (asked
 * directly, since testcontainers would quietly fall back to /var/run/docker.sock), else the local
 * socket. The client is kept by testcontainers, so start() does not connect twice.
 */
async function checkDocker(): Promise<void> {
  const dockerHost = process.env.DOCKER_HOST;
  if (dockerHost) await pingDockerHost(dockerHost);
  else if (!existsSync(DEFAULT_DOCKER_SOCKET))
    throw new HarnessError(`the docker runtime needs a Docker engine: no ${DEFAULT_DOCKER_SOCKET} and no DOCKER_HOST; run \`npm run setup\` as root (it installs and starts one), or use --runtime local`);
  await connectEngine();
}

const ms = (since: number): number => Math.round(performance.now() - since);

export interface PartSpec {
  part: string;
  image: ImagePart;
  aliases: string[];
  wait: WaitStrategy;
  command?: string[];
  env?: Record<string, string>;
  /** container ports to publish, each on a free port of 127.0.0.1 (see StartedPart.publish) */
  publish?: number[];
  bindCheckout?: boolean;
}

export function startDockerStack(options: RuntimeOptions, config: DockerRuntimeConfig = {}): Promise<DockerStack> {
  return keepingAlive(() => boot(options, config));
}

async function boot(options: RuntimeOptions, config: DockerRuntimeConfig): Promise<DockerStack> {
  const bootStart = performance.now();
  const { progress, runId } = options;
  const readyTimeoutMs = config.readyTimeoutMs ?? 30_000;
  const serviceFiles = new Map(SERVICES.map((name) => [name, config.serviceFiles?.[name] ?? serviceEntry(name)]));
  for (const [name, file] of serviceFiles) {
    if (!existsSync(file)) throw new HarnessError(`${name} cannot start: its entry file ${file} does not exist`);
    if (relative(PROJECT_ROOT, file).startsWith('..')) throw new HarnessError(`${name}: ${file} is outside the checkout ${PROJECT_ROOT}, which is all the containers see`);
  }
  const [client, plan] = await Promise.all([connectEngine(), planImages()]);
  for (const line of await cleanupDockerLeftovers(client, progress)) progress(`cleaned up: ${line}`);
  const exists = (ref: string): Promise<boolean> => client.container.dockerode.getImage(ref).inspect().then(() => true, () => false);
  const built = await ensureImages(plan, { progress: () => undefined, buildBase: false, exists });
  if (built.length > 0) progress(`docker images built: ${built.join(', ')}`);
  const logsDir = join(options.runDir, 'logs');
  await mkdir(logsDir, { recursive: true });

  const labels = runLabels(runId);
  const network = `faultline-${runId}`;
  const parts = new Map<string, StartedPart>();
  const logs: WriteStream[] = [];
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      // A frozen container holds its stop signal pending: thaw it first (a pause fault's exit path).
      await Promise.allSettled([...parts.values()].map(async (p) => {
        if ((await client.container.getById(p.container.getId()).inspect()).State.Status === 'paused') await client.container.getById(p.container.getId()).unpause();
      }));
      // A stop signal, then SIGKILL after 2 s; the logs are flushed first.
      await Promise.allSettled([...parts.values()].map((p) => p.container.stop({ timeout: 2_000, remove: true, removeVolumes: true })));
      await removeRun(client, runId); // the network, and anything a failed start left
      await Promise.all(logs.map((l) => new Promise((r) => l.end(r))));
    })());

  const startPart = async (spec: PartSpec): Promise<StartedPart> => {
    const t0 = performance.now();
    const log = createWriteStream(join(logsDir, `${spec.part}.log`), { flags: 'a' });
    logs.push(log);
    const name = `${network}-${spec.part}`;
    // A free port can be taken between our look and the engine's bind: then again, with others.
    for (let attempt = 1; ; attempt++) {
      const publish: Record<number, number> = {};
      for (const port of spec.publish ?? []) publish[port] = await freePort();
      let container = new StackContainer(plan.images[spec.image].ref)
        .withName(name)
        .withLabels({ ...labels, [LABEL_PART]: spec.part })
        .withOnlyNetwork(network, ...spec.aliases)
        .withWaitStrategy(spec.wait)
        .withStartupTimeout(readyTimeoutMs)
        .withAddedCapabilities('NET_ADMIN') // iptables in its own network namespace (dropPackets)
        .withLogConsumer((stream) => stream.pipe(log, { end: false }));
      if (spec.command) container = container.withCommand(spec.command);
      if (spec.env) container = container.withEnvironment(spec.env);
      if (spec.bindCheckout) container = container.withBindMounts([{ source: PROJECT_ROOT, target: '/app', mode: 'ro' }]);
      for (const [inner, host] of Object.entries(publish)) container = container.withLoopbackPort(Number(inner), host);
      try {
        const started = await container.start();
        const part: StartedPart = { part: spec.part, container: started, wait: spec.wait, publish, log };
        parts.set(spec.part, part);
        progress(`${spec.part} container ready in ${ms(t0)} ms`);
        return part;
      } catch (error) {
        const message = (error as Error).message;
        if (attempt < 3 && /port is already allocated|address already in use/i.test(message)) {
          await client.container.dockerode.getContainer(name).remove({ force: true }).catch(() => undefined);
          continue;
        }
        throw new HarnessError(`${spec.part} (image ${plan.images[spec.image].ref}) did not start or become ready (limit ${readyTimeoutMs} ms): ${message}; its log: ${join(logsDir, `${spec.part}.log`)}`);
      }
    }
  };

  /** Starts parts together; when one fails, waits for the others before failing, so stop() sees them all. */
  const startTogether = async (specs: PartSpec[]): Promise<StartedPart[]> => {
    const results = await Promise.allSettled(specs.map(startPart));
    const failures = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as Error] : []));
    if (failures.length === 1) throw failures[0];
    if (failures.length > 1) throw new HarnessError(failures.map((e) => e.message).join('\n'));
    return results.map((r) => (r as PromiseFulfilledResult<StartedPart>).value);
  };

  try {
    const stopIfAborted = (): void => {
      if (options.signal?.aborted) throw new HarnessError('interrupted while the stack was booting');
    };
    await client.network.create({ Name: network, Driver: 'bridge', CheckDuplicate: true, Labels: { ...labels, [LABEL_PART]: 'network' } });
    progress(`docker network ${network}`);
    const edgePorts = new Map(EDGES.map((e, i) => [e.name, EDGE_PORT_BASE + i]));
    const [, , toxiproxy] = await startTogether([
      postgresSpec(plan.images.postgres.override),
      { part: 'redis', image: 'redis', aliases: ['redis'], wait: Wait.forLogMessage(/Ready to accept connections/) },
      {
        part: 'toxiproxy',
        image: 'toxiproxy',
        aliases: ['toxiproxy'],
        command: ['-host=0.0.0.0', `-port=${TOXIPROXY_API_PORT}`, '-proxy-metrics', `-seed=${options.seed}`],
        env: { LOG_LEVEL: 'info' },
        publish: [TOXIPROXY_API_PORT, ...edgePorts.values()],
        wait: Wait.forHttp('/version', TOXIPROXY_API_PORT).withReadTimeout(200),
      },
    ]);
    stopIfAborted();
    const published = (toxiproxy as StartedPart).publish;
    const toxiproxyUrl = `http://${LOOPBACK}:${published[TOXIPROXY_API_PORT]}`;
    const upstreamOf = (edge: EdgeSpec): string => `${edge.instance ?? edge.to}:${edge.to === 'postgres' ? POSTGRES_PORT : edge.to === 'redis' ? REDIS_PORT : SERVICE_PORT}`;
    const edges: Record<string, DockerEdgeEndpoint> = {};
    for (const edge of EDGES) {
      const upstream = upstreamOf(edge);
      await createProxy(toxiproxyUrl, { name: edge.proxy, listen: `0.0.0.0:${edgePorts.get(edge.name)}`, upstream });
      edges[edge.name] = { edge: edge.name, proxy: edge.proxy, listen: `${LOOPBACK}:${published[edgePorts.get(edge.name) as number]}`, inNetwork: `toxiproxy:${edgePorts.get(edge.name)}`, upstream };
    }
    if (plan.images.toxiproxy.override) await requireFaultlineToxics(toxiproxyUrl, (EDGES[0] as EdgeSpec).proxy, plan.images.toxiproxy.ref);
    progress(`toxiproxy: ${EDGES.length} proxies (${EDGES.map((e) => `${e.name} ${edges[e.name]?.inNetwork}`).join(', ')})`);

    const inNetworkEdges = Object.fromEntries(Object.entries(edges).map(([name, e]) => [name, { ...e, listen: e.inNetwork }]));
    // Each wave starts once every service it calls answers; the services within a wave start
    // together (a replica is its own container, named and reachable as `catalog-2`).
    const services: Record<string, ServiceEndpoint> = {};
    for (const wave of startWaves(SERVICES, EDGES)) {
      stopIfAborted();
      const instances = wave.flatMap((s) => instancesOf(s));
      const started = await startTogether(
        instances.map(({ name, service, replica }) => ({
          part: name,
          image: 'node' as const,
          aliases: [name],
          bindCheckout: true,
          command: ['node', '--disable-warning=ExperimentalWarning', `/app/${relative(PROJECT_ROOT, serviceFiles.get(service) as string)}`],
          env: {
            HOST: '0.0.0.0',
            PORT: String(SERVICE_PORT),
            ...dependencyEnv(service, inNetworkEdges, EDGES),
            RESILIENCE_DISABLE: options.disabled.join(','),
            REPLICA_ID: `${service}-${replica}`,
            ...(process.env.NO_COLOR === undefined ? {} : { NO_COLOR: process.env.NO_COLOR }),
          },
          publish: [SERVICE_PORT],
          wait: Wait.forHttp('/health/ready', SERVICE_PORT, { abortOnContainerExit: true }).withReadTimeout(200),
        })),
      );
      for (const part of started) services[part.part] = { name: part.part, url: `http://${LOOPBACK}:${part.publish[SERVICE_PORT]}`, id: part.container.getId() };
    }

    const containers: Record<string, ContainerControl> = {};
    for (const part of parts.values()) containers[part.part] = controlOf(client, part, () => attachLogs(client, part));
    const partControls = Object.fromEntries(Object.values(containers).filter((c) => CONTROLLABLE_PARTS.includes(c.part)).map((c) => [c.part, partControlOf(c)]));
    const bootMs = ms(bootStart);
    progress(`docker stack ready in ${bootMs} ms`);
    let netem: Promise<{ available: boolean; why: string }> | undefined;
    return {
      runtime: 'docker',
      gatewayUrl: services.gateway?.url ?? '',
      toxiproxyUrl,
      edges,
      services,
      versions: await versionsOf(client, plan),
      parts: partControls,
      bootMs,
      network,
      containers,
      netem: () => (netem ??= probeNetem(containers.redis as ContainerControl)),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * Postgres: faultline's image has its cluster made at build time and says it is ready once; an
 * image named by FAULTLINE_IMAGE_POSTGRES (the official one) gets the POSTGRES_* variables it makes
 * its cluster from, and is awaited by pg_isready, since it prints the ready line twice.
 */
export function postgresSpec(override: boolean): PartSpec {
  const spec = { part: 'postgres', image: 'postgres' as const, aliases: ['postgres'] };
  if (!override) return { ...spec, wait: Wait.forLogMessage(/database system is ready to accept connections/) };
  return { ...spec, env: { ...POSTGRES_OVERRIDE_ENV }, wait: Wait.forSuccessfulCommand(POSTGRES_OVERRIDE_READY) };
}

/** The runtime-neutral control of a part, over its container (the engine's state mapped to ours). */
export function partControlOf(container: ContainerControl): PartControl {
  const state = async (): Promise<PartState> => {
    const status = await container.state();
    return status === 'paused' ? 'paused' : status === 'running' || status === 'restarting' ? 'running' : 'killed';
  };
  return {
    part: container.part,
    id: () => container.id,
    state,
    kill: async () => {
      if ((await state()) === 'paused') await container.unpause(); // docker kill of a frozen container waits on the thaw
      if ((await state()) !== 'killed') await container.kill('SIGKILL');
    },
    start: async () => {
      if ((await state()) === 'killed') await container.start();
    },
    pause: async () => {
      const now = await state();
      if (now !== 'running') throw new Error(`${container.part} (container ${container.name}) cannot be paused: it is ${now}`);
      await container.pause();
    },
    resume: async () => {
      if ((await state()) === 'paused') await container.unpause();
    },
  };
}

/** Services in waves: each wave calls only services of earlier waves. */
export function startWaves(services: readonly ServiceName[], edges: readonly EdgeSpec[]): ServiceName[][] {
  const waves: ServiceName[][] = [];
  const placed = new Set<string>();
  let left = [...services];
  while (left.length > 0) {
    const wave = left.filter((s) => edges.every((e) => e.from !== s || !(services as readonly string[]).includes(e.to) || placed.has(e.to)));
    if (wave.length === 0) throw new Error(`service dependency cycle among ${left.join(', ')}`);
    waves.push(wave);
    for (const s of wave) placed.add(s);
    left = left.filter((s) => !wave.includes(s));
  }
  return waves;
}

async function versionsOf(client: ContainerRuntimeClient, plan: ImagePlan): Promise<Record<string, string>> {
  const label = async (part: ImagePart): Promise<string> => {
    try {
      return (await client.container.dockerode.getImage(plan.images[part].ref).inspect()).Config.Labels?.[IMAGE_VERSION_LABEL] ?? 'unknown';
    } catch {
      return 'unknown';
    }
  };
  const [postgres, redis, toxiproxy, node] = await Promise.all([label('postgres'), label('redis'), label('toxiproxy'), label('node')]);
  return { postgres, 'redis-server': redis, toxiproxy, node, docker: String(client.info.containerRuntime.serverVersion) };
}

/** tc netem on a throwaway qdisc in one container's own network namespace, removed at once. */
async function probeNetem(container: ContainerControl): Promise<{ available: boolean; why: string }> {
  const add = await container.exec(['tc', 'qdisc', 'add', 'dev', 'eth0', 'root', 'netem', 'delay', '1ms'], { user: 'root' });
  if (add.exitCode !== 0) return { available: false, why: `tc qdisc add … netem in the ${container.part} container answered: ${add.output.trim()} (this kernel has no netem: IP-level latency/loss is unavailable; Toxiproxy toxics and iptables drops still work)` };
  await container.exec(['tc', 'qdisc', 'del', 'dev', 'eth0', 'root'], { user: 'root' });
  return { available: true, why: 'tc qdisc add … netem worked in a container' };
}
