// The docker runtime: a system as containers (testcontainers) on networks of its own run: its
// Postgres and Redis parts and Toxiproxy first (in parallel), one Toxiproxy proxy per declared
// edge, then its service parts in the shared start order (system/start-order.ts).
//
// Two ways to put Toxiproxy on an edge:
// - A declared system (no compose file) is told its edges' addresses through its environment
//   templates: {{edge "a->b"}} is toxiproxy:<port of that edge's proxy> inside the network. A
//   service part with neither image nor build runs its command in faultline's node image, with its
//   package folder mounted read-only at /app.
// - A system given as a docker-compose.yml is not told anything (docker-interpose.ts): each caller
//   gets a network of its own in which Toxiproxy answers under the callee's name, the real callee
//   answers as <name>-real on the run's backbone network, and an iptables REDIRECT in Toxiproxy's
//   namespace sends each caller's connections to that edge's proxy. `db:5432` in the team's
//   compose file reaches the proxy with no change to their code, config or compose file.
// Only loopback ports are published: the Toxiproxy API and each proxy (for the faults' probes), and
// each service's port (the entry for k6, every service for /metrics). Everything carries the run id
// and its owner (docker-cleanup.ts); stop() removes it all.

import { createWriteStream, existsSync, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type ContainerRuntimeClient, Wait } from 'testcontainers';
import { HarnessError } from '../paths.ts';
import { startWaves } from '../system/start-order.ts';
import type { ResolvedPart, System } from '../system/system.ts';
import { runLabels, StackContainer } from './containers.ts';
import { cleanupDockerLeftovers, removeRun } from './docker-cleanup.ts';
import { type EdgeNetwork, edgeNetworks, interpose, realAlias } from './docker-interpose.ts';
import { EDGE_PORT_BASE, LABEL_PART, TOXIPROXY_API_PORT } from './docker-layout.ts';
import { attachLogs, type ContainerControl, connectEngine, controlOf, keepingAlive, type StartedPart } from './docker-parts.ts';
import { DEFAULT_DOCKER_SOCKET, pingDockerHost } from './docker-ping.ts';
import { buildOf, imagesOfServices, type PartSpec, postgresSpec, redisSpec, type ServiceImage, serviceSpec } from './docker-specs.ts';
import { ensureImages } from './image-build.ts';
import { requireFaultlineToxics } from './image-overrides.ts';
import { IMAGE_VERSION_LABEL, type ImagePart, type ImagePlan, planImages } from './images.ts';
import { freePort, LOOPBACK } from './ports.ts';
import { createProxy } from './toxiproxy.ts';
import { probeOf } from './toxiproxy-server.ts';
import type { EdgeEndpoint, PartControl, PartState, Runtime, RuntimeOptions, ServiceEndpoint, StartedStack } from './types.ts';

export type { ContainerControl } from './docker-parts.ts';
export { type PartSpec, postgresSpec } from './docker-specs.ts';

type ServicePart = Extract<ResolvedPart, { kind: 'service' }>;

export interface DockerRuntimeConfig {
  /** how long each part may take to become ready (default 30 s) */
  readyTimeoutMs?: number;
}

export interface DockerEdgeEndpoint extends EdgeEndpoint {
  /** `listen` is the proxy's port published on 127.0.0.1 (for probes); in the network it is this one */
  inNetwork: string;
}

export interface DockerStack extends StartedStack {
  runtime: 'docker';
  edges: Record<string, DockerEdgeEndpoint>;
  /** the run's backbone network: every part is in it (a compose system's callers also in one of their own) */
  network: string;
  /** every container by instance (each part, each replica, and toxiproxy): kill, restart, pause… */
  containers: Readonly<Record<string, ContainerControl>>;
  /** IP-level faults (tc netem) in this kernel; probed once, when first asked */
  netem(): Promise<{ available: boolean; why: string }>;
}

export interface DockerRuntime extends Runtime {
  readonly name: 'docker';
  check(system: System): Promise<void>;
  start(options: RuntimeOptions): Promise<DockerStack>;
}

export function dockerRuntime(config: DockerRuntimeConfig = {}): DockerRuntime {
  return { name: 'docker', check: checkDocker, start: (options) => startDockerStack(options, config) };
}

/**
 * An engine must answer before anything is made: the one DOCKER_HOST names when it is set (asked
 * directly, since testcontainers would quietly fall back to /var/run/docker.sock), else the local
 * socket. The client is kept by testcontainers, so start() does not connect twice. A compose
 * system's build contexts must exist.
 */
async function checkDocker(system: System): Promise<void> {
  const dockerHost = process.env.DOCKER_HOST;
  if (dockerHost) await pingDockerHost(dockerHost);
  else if (!existsSync(DEFAULT_DOCKER_SOCKET))
    throw new HarnessError(
      `the docker runtime needs a Docker engine: no ${DEFAULT_DOCKER_SOCKET} and no DOCKER_HOST; run \`npm run setup\` as root (it installs and starts one), or use --runtime local`,
    );
  for (const part of Object.values(system.parts)) {
    if (part.kind !== 'service') continue;
    const context = buildOf(system, part)?.context;
    if (context !== undefined && !existsSync(context))
      throw new HarnessError(`${system.name}: part ${part.name} is built from ${context}, which does not exist`);
  }
  await connectEngine();
}

const ms = (since: number): number => Math.round(performance.now() - since);

export function startDockerStack(options: RuntimeOptions, config: DockerRuntimeConfig = {}): Promise<DockerStack> {
  return keepingAlive(() => boot(options, config));
}

async function boot(options: RuntimeOptions, config: DockerRuntimeConfig): Promise<DockerStack> {
  const bootStart = performance.now();
  const { progress, runId, system } = options;
  const readyTimeoutMs = config.readyTimeoutMs ?? 30_000;
  const transparent = system.compose !== undefined;
  const [client, plan] = await Promise.all([connectEngine(), planImages()]);
  for (const line of await cleanupDockerLeftovers(client, progress)) progress(`cleaned up: ${line}`);
  const exists = (ref: string): Promise<boolean> =>
    client.container.dockerode
      .getImage(ref)
      .inspect()
      .then(
        () => true,
        () => false,
      );
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
      await Promise.allSettled(
        [...parts.values()].map(async (p) => {
          if ((await client.container.getById(p.container.getId()).inspect()).State.Status === 'paused')
            await client.container.getById(p.container.getId()).unpause();
        }),
      );
      // A stop signal, then SIGKILL after 2 s; the logs are flushed first.
      await Promise.allSettled([...parts.values()].map((p) => p.container.stop({ timeout: 2_000, remove: true, removeVolumes: true })));
      await removeRun(client, runId); // the networks, and anything a failed start left
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
      let container = new StackContainer(spec.image)
        .withName(name)
        .withLabels({ ...labels, [LABEL_PART]: spec.part })
        .withOnlyNetwork(spec.network, ...spec.aliases)
        .withWaitStrategy(spec.wait)
        .withStartupTimeout(readyTimeoutMs)
        .withAddedCapabilities('NET_ADMIN') // iptables in its own network namespace (dropPackets, interposition)
        .withLogConsumer((stream) => stream.pipe(log, { end: false }));
      if (spec.command) container = container.withCommand(spec.command);
      if (spec.env) container = container.withEnvironment(spec.env);
      if (spec.mounts) container = container.withBindMounts(spec.mounts);
      if (spec.workingDir) container = container.withWorkingDir(spec.workingDir);
      if (spec.healthCheck) container = container.withHealthCheck(spec.healthCheck);
      if (spec.moreNetworks) container = container.withMoreNetworks(spec.moreNetworks);
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
          await client.container.dockerode
            .getContainer(name)
            .remove({ force: true })
            .catch(() => undefined);
          continue;
        }
        throw new HarnessError(
          `${spec.part} (image ${spec.image}) did not start or become ready (limit ${readyTimeoutMs} ms): ${message}; its log: ${join(logsDir, `${spec.part}.log`)}`,
        );
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
    const serviceImages = await imagesOfServices(client, system, plan, progress);
    stopIfAborted();
    await client.network.create({ Name: network, Driver: 'bridge', CheckDuplicate: true, Labels: { ...labels, [LABEL_PART]: 'network' } });
    progress(`docker network ${network}`);
    const edgeNets: EdgeNetwork[] = transparent ? edgeNetworks(system, network) : [];
    for (const n of edgeNets)
      await client.network.create({ Name: n.network, Driver: 'bridge', CheckDuplicate: true, Labels: { ...labels, [LABEL_PART]: `network of ${n.edge}` } });
    const edgePorts = new Map(system.edges.map((e, i) => [e.name, EDGE_PORT_BASE + i]));
    // a callee answers to its own name, or (compose) to <name>-real, its own name being Toxiproxy's in its callers' edge networks
    const aliasOf = (instance: string): string => (transparent ? realAlias(instance) : instance);
    const builtIns = Object.values(system.parts).filter((p) => p.kind !== 'service');
    const [toxiproxy] = await startTogether([
      {
        part: 'toxiproxy',
        image: plan.images.toxiproxy.ref,
        network,
        aliases: ['toxiproxy'],
        command: ['-host=0.0.0.0', `-port=${TOXIPROXY_API_PORT}`, '-proxy-metrics', `-seed=${options.seed}`],
        env: { LOG_LEVEL: 'info' },
        publish: [TOXIPROXY_API_PORT, ...edgePorts.values()],
        wait: Wait.forHttp('/version', TOXIPROXY_API_PORT).withReadTimeout(200),
      },
      ...builtIns.map((p) =>
        p.kind === 'postgres' ? postgresSpec(p.name, plan, network, aliasOf(p.name)) : redisSpec(p.name, plan, network, aliasOf(p.name)),
      ),
    ]);
    stopIfAborted();
    const published = (toxiproxy as StartedPart).publish;
    const toxiproxyUrl = `http://${LOOPBACK}:${published[TOXIPROXY_API_PORT]}`;
    const edges: Record<string, DockerEdgeEndpoint> = {};
    for (const edge of system.edges) {
      const upstream = `${aliasOf(edge.instance)}:${edge.port}`;
      const port = edgePorts.get(edge.name) as number;
      await createProxy(toxiproxyUrl, { name: edge.proxy, listen: `0.0.0.0:${port}`, upstream });
      edges[edge.name] = {
        edge: edge.name,
        proxy: edge.proxy,
        listen: `${LOOPBACK}:${published[port]}`,
        inNetwork: `toxiproxy:${port}`,
        upstream,
        ...probeOf(edge),
      };
    }
    if (plan.images.toxiproxy.override && system.edges.length > 0)
      await requireFaultlineToxics(toxiproxyUrl, (system.edges[0] as { proxy: string }).proxy, plan.images.toxiproxy.ref);
    if (transparent) {
      const lines = await interpose(
        client,
        controlOf(client, toxiproxy as StartedPart, async () => undefined),
        edgeNets,
        edgePorts,
      );
      progress(`toxiproxy answers as each callee in its edge's network: ${lines.join('; ')}`);
    } else progress(`toxiproxy: ${system.edges.length} proxies (${system.edges.map((e) => `${e.name} ${edges[e.name]?.inNetwork}`).join(', ')})`);

    const services: Record<string, ServiceEndpoint> = {};
    const callees = new Set(system.edges.map((e) => e.to));
    /** where an instance of a part starts: its edges' networks (compose), and the backbone when something calls it */
    const networksOf = (part: string, instance: string): { network: string; aliases: string[] }[] => {
      if (!transparent) return [{ network, aliases: [instance] }];
      const own = edgeNets.filter((n) => n.caller === part).map((n) => ({ network: n.network, aliases: [] as string[] }));
      return callees.has(part) || own.length === 0 ? [...own, { network, aliases: [aliasOf(instance)] }] : own;
    };
    for (const wave of startWaves(system)) {
      stopIfAborted();
      const specs = wave.flatMap((name) => {
        const part = system.parts[name] as ServicePart;
        return part.instances.map((instance) => {
          const spec = serviceSpec(system, part, instance.replica, options.disabled, serviceImages.get(name) as ServiceImage, edges);
          const [first, ...more] = networksOf(name, instance.name) as [{ network: string; aliases: string[] }, ...{ network: string; aliases: string[] }[]];
          return { ...spec, part: instance.name, network: first.network, aliases: first.aliases, ...(more.length > 0 ? { moreNetworks: more } : {}) };
        });
      });
      const started = await startTogether(specs);
      for (const part of started) {
        const spec = system.instances.find((i) => i.name === part.part);
        const service = system.parts[spec?.part ?? ''] as ServicePart;
        services[part.part] = { name: part.part, url: `http://${LOOPBACK}:${part.publish[service.port as number]}`, id: part.container.getId() };
      }
    }

    const containers: Record<string, ContainerControl> = {};
    for (const part of parts.values()) containers[part.part] = controlOf(client, part, () => attachLogs(client, part));
    const instances = new Set(system.instances.map((i) => i.name));
    const partControls = Object.fromEntries(
      Object.values(containers)
        .filter((c) => instances.has(c.part))
        .map((c) => [c.part, partControlOf(c)]),
    );
    const bootMs = ms(bootStart);
    progress(`docker stack ready in ${bootMs} ms`);
    let netem: Promise<{ available: boolean; why: string }> | undefined;
    return {
      runtime: 'docker',
      system,
      entryUrl: services[system.entry]?.url ?? '',
      toxiproxyUrl,
      edges,
      services,
      versions: await versionsOf(client, plan, system),
      parts: partControls,
      bootMs,
      network,
      containers,
      netem: () => (netem ??= probeNetem(containers.toxiproxy as ContainerControl)),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
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

async function versionsOf(client: ContainerRuntimeClient, plan: ImagePlan, system: System): Promise<Record<string, string>> {
  const label = async (part: ImagePart): Promise<string> => {
    try {
      return (await client.container.dockerode.getImage(plan.images[part].ref).inspect()).Config.Labels?.[IMAGE_VERSION_LABEL] ?? 'unknown';
    } catch {
      return 'unknown';
    }
  };
  const kinds = new Set(Object.values(system.parts).map((p) => p.kind));
  const usesNode = Object.values(system.parts).some(
    (p) => p.kind === 'service' && p.image === undefined && p.build === undefined && system.compose === undefined,
  );
  const [postgres, redis, toxiproxy, node] = await Promise.all([
    kinds.has('postgres') ? label('postgres') : undefined,
    kinds.has('redis') ? label('redis') : undefined,
    label('toxiproxy'),
    usesNode ? label('node') : undefined,
  ]);
  return {
    ...(postgres === undefined ? {} : { postgres }),
    ...(redis === undefined ? {} : { 'redis-server': redis }),
    toxiproxy,
    ...(node === undefined ? {} : { node }),
    docker: String(client.info.containerRuntime.serverVersion),
  };
}

/** tc netem on a throwaway qdisc in one container's own network namespace, removed at once. */
async function probeNetem(container: ContainerControl): Promise<{ available: boolean; why: string }> {
  const add = await container.exec(['tc', 'qdisc', 'add', 'dev', 'eth0', 'root', 'netem', 'delay', '1ms'], { user: 'root' });
  if (add.exitCode !== 0)
    return {
      available: false,
      why: `tc qdisc add … netem in the ${container.part} container answered: ${add.output.trim()} (this kernel has no netem: IP-level latency/loss is unavailable; Toxiproxy toxics and iptables drops still work)`,
    };
  await container.exec(['tc', 'qdisc', 'del', 'dev', 'eth0', 'root'], { user: 'root' });
  return { available: true, why: 'tc qdisc add … netem worked in a container' };
}
