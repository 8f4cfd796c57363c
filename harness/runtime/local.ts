// The local runtime: a system as child processes on 127.0.0.1 — its Postgres and Redis parts and
// Toxiproxy first (in parallel), one Toxiproxy proxy per declared edge, then its service parts in
// the shared start order (system/start-order.ts), each run from the declaration's command in the
// system's folder, its environment templates pointing it at its edges' proxies.
// Every child is in the ledger before it is spawned; stop() stops them newest first, deletes the
// temp dir and the ledger. Nothing global is registered: the caller owns signals and calls stop().

import { randomBytes } from 'node:crypto';
import { accessSync, constants, existsSync } from 'node:fs';
import { chmod, mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { HarnessError } from '../paths.ts';
import { startWaves } from '../system/start-order.ts';
import { type EdgeSpec, type ResolvedPart, type System, serviceParts } from '../system/system.ts';
import { cacheRoot } from '../tools.ts';
import { type Binaries, findBinaries, versionsOf, which } from './binaries.ts';
import { openLedger, TEMP_DIR_PREFIX } from './ledger.ts';
import { type LocalPart, localPartControl } from './local-parts.ts';
import { partCommand, partEnv, takesPort } from './part-env.ts';
import { freePort, LOOPBACK, portFree, saysAddressInUse } from './ports.ts';
import { checkPostgresCanReach, postgresAccepts, type StartedPostgres, startPostgres } from './postgres.ts';
import { DEFAULT_STOP_GRACE_MS, describeCommand, type RunningProcess } from './processes.ts';
import { redisPing, type StartedRedis, startRedis } from './redis.ts';
import { localReadiness, type StartedService, startService } from './services.ts';
import { createSupervisor, type PartContext } from './supervisor.ts';
import { updateProxy } from './toxiproxy.ts';
import { createEdgeProxies, startToxiproxy } from './toxiproxy-server.ts';
import type { EdgeEndpoint, Runtime, RuntimeOptions, ServiceEndpoint, StartedStack } from './types.ts';

type ServicePart = Extract<ResolvedPart, { kind: 'service' }>;

export interface LocalRuntimeConfig {
  /** ledger folder (default .faultline/state) */
  stateDir?: string;
  /** how long each part may take to become ready (default 30 s) */
  readyTimeoutMs?: number;
  /** how long a child gets after its stop signal before SIGKILL (default 3 s) */
  stopGraceMs?: number;
}

export interface LocalProcessInfo {
  pid: number;
  command: string;
  logFile: string;
}

export interface LocalStack extends StartedStack {
  runtime: 'local';
  /** the running children by instance name (each part, each replica, and toxiproxy) */
  processes: Readonly<Record<string, LocalProcessInfo>>;
  /** this stack's temp dir (Postgres data, Redis dir); deleted by stop() */
  tempDir: string;
}

export interface LocalRuntime extends Runtime {
  readonly name: 'local';
  start(options: RuntimeOptions): Promise<LocalStack>;
}

export function localRuntime(config: LocalRuntimeConfig = {}): LocalRuntime {
  return {
    name: 'local',
    check: async (system) => {
      checkLocal(system);
      await checkFixedPorts(system);
    },
    start: (options) => startLocalStack(options, config),
  };
}

/** A part that is not told its port ({{port}}) listens on its declared one: that port must be free before anything starts. */
async function checkFixedPorts(system: System): Promise<void> {
  for (const part of serviceParts(system))
    if (!takesPort(part) && !(await portFree(part.port as number)))
      throw new HarnessError(
        `${system.file}: parts.${part.name}.port ${part.port} is in use on ${LOOPBACK}, and ${part.name} is not told another (no {{port}} in its command or env): stop what listens there, or pass it '{{port}}' so faultline picks a free one`,
      );
}

/**
 * Where the parts started with {{node}} keep their compiled code (Node's module compile cache,
 * keyed by each file's content and Node's version): with it a shop service is ready in about
 * half the time, the first run after a change excepted.
 */
const nodeCompileCache = (): string => join(cacheRoot(), 'node-compile-cache');

const usesNode = (part: ServicePart): boolean => (part.command ?? []).some((arg) => arg.includes('{{node}}'));

/**
 * Every program the system's parts need on this machine, or a HarnessError naming the missing one
 * and the part that needs it: Postgres and redis-server only when the system has such parts, Node
 * when a command names {{node}}, and each command's program (on PATH, or a file in the system's folder).
 */
export function checkLocal(system: System): Binaries {
  const kinds = new Set(Object.values(system.parts).map((p) => p.kind));
  const services = serviceParts(system);
  const binaries = findBinaries({ postgres: kinds.has('postgres'), redis: kinds.has('redis'), node: services.some(usesNode) });
  for (const part of services) {
    const program = part.command?.[0];
    if (program === undefined)
      throw new HarnessError(
        `${system.name}: part ${part.name} has no command, which the local runtime runs: give it one in ${system.file}, or use --runtime docker`,
      );
    if (program.includes('{{')) continue;
    const found = isAbsolute(program) ? existsSync(program) : program.includes('/') ? existsSync(join(system.root, program)) : which(program) !== undefined;
    if (!found)
      throw new HarnessError(
        `${system.name}: part ${part.name} runs ${program}, which is not ${program.includes('/') ? `a file (looked in ${system.root})` : 'on PATH'}; install it, or fix parts.${part.name}.command in ${system.file}`,
      );
    if (part.replicas !== undefined && part.replicas > 1 && !takesPort(part))
      throw new HarnessError(
        `${system.name}: part ${part.name} runs ${part.replicas} replicas on this machine, but its command and env do not take {{port}}, so they would all listen on ${part.port}; pass it '{{port}}'`,
      );
  }
  if (kinds.has('postgres')) checkPostgresCanReach(stackTmpRoot());
  return binaries;
}

/**
 * Where a stack keeps its data (Postgres, Redis): TMPDIR when the user set one, else /dev/shm when
 * this machine has it (initdb and Postgres' start take about half as long in memory), else the
 * system temp dir.
 */
export function stackTmpRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.TMPDIR !== undefined && env.TMPDIR !== '') return tmpdir();
  try {
    accessSync('/dev/shm', constants.W_OK);
    return '/dev/shm';
  } catch {
    return tmpdir();
  }
}

const ms = (since: number): number => Math.round(performance.now() - since);

/** Six letters and digits, like mkdtemp's, so temp dirs look the same as before. */
function randomTempSuffix(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return [...randomBytes(6)].map((b) => alphabet[b % alphabet.length]).join('');
}

async function timed<T>(progress: (line: string) => void, what: (result: T) => string, start: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  const result = await start();
  progress(`${what(result)} ready in ${ms(t0)} ms`);
  return result;
}

export async function startLocalStack(options: RuntimeOptions, config: LocalRuntimeConfig = {}): Promise<LocalStack> {
  const bootStart = performance.now();
  const { progress, system } = options;
  // Before anything starts: a missing tool or program starts nothing.
  const binaries = checkLocal(system);
  const logsDir = join(options.runDir, 'logs');
  await mkdir(logsDir, { recursive: true });
  const ledger = openLedger(options.runId, config.stateDir);
  // named and written down before it is made, so no kill can leave a temp dir the ledger lacks
  const tempDir = join(stackTmpRoot(), `${TEMP_DIR_PREFIX}${randomTempSuffix()}`);
  ledger.addTempDir(tempDir);
  try {
    await mkdir(tempDir);
  } catch (error) {
    ledger.close(); // not ours (EEXIST) or not made: nothing for a later cleanup to remove
    throw error;
  }
  const supervisor = createSupervisor(ledger, config.stopGraceMs ?? DEFAULT_STOP_GRACE_MS);

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      await supervisor.stopAll();
      await rm(tempDir, { recursive: true, force: true });
      ledger.close();
    })());

  try {
    await chmod(tempDir, 0o711); // Postgres runs as another user and must reach its data dir
    const ctx: PartContext = {
      supervisor,
      tempDir,
      logsDir,
      readyTimeoutMs: config.readyTimeoutMs ?? 30_000,
      baseEnv: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: tempDir,
        LANG: 'C.UTF-8',
        TMPDIR: tempDir,
        ...ledger.env,
        ...(process.env.NO_COLOR === undefined ? {} : { NO_COLOR: process.env.NO_COLOR }),
      },
    };
    const stopIfAborted = (): void => {
      if (options.signal?.aborted) throw new HarnessError('interrupted while the stack was booting');
    };
    const versions = versionsOf(binaries);
    // the dependencies of built-in kinds and Toxiproxy, all at once
    const builtIns = Object.values(system.parts).filter((p) => p.kind !== 'service');
    const infra = await Promise.allSettled([
      timed(
        progress,
        (t) => `toxiproxy on ${t.url.slice('http://'.length)}`,
        () => startToxiproxy(ctx, binaries.toxiproxyServer, options.seed),
      ),
      ...builtIns.map((p) =>
        p.kind === 'postgres'
          ? timed(
              progress,
              (pg: StartedPostgres) => `${p.name} (postgres) on 127.0.0.1:${pg.port}`,
              () => startPostgres(ctx, binaries.pgBin as string, p.name),
            )
          : timed(
              progress,
              (r: StartedRedis) => `${p.name} (redis) on 127.0.0.1:${r.port}`,
              () => startRedis(ctx, binaries.redisServer as string, p.name),
            ),
      ),
    ]);
    stopIfAborted();
    const failures = infra.flatMap((r) => (r.status === 'rejected' ? [r.reason as Error] : []));
    if (failures.length === 1) throw failures[0];
    if (failures.length > 1) throw new HarnessError(failures.map((e) => e.message).join('\n'));
    const [toxiproxy, ...started] = infra.map((r) => (r as PromiseFulfilledResult<unknown>).value) as [
      Awaited<ReturnType<typeof startToxiproxy>>,
      ...(StartedPostgres | StartedRedis)[],
    ];
    const dependencies = new Map(builtIns.map((p, i) => [p.name, { part: p, started: started[i] as StartedPostgres | StartedRedis }]));

    // Services get their ports now, so the proxies in front of them can be made first.
    const servicePorts = new Map<string, number>();
    for (const part of serviceParts(system)) for (const i of part.instances) servicePorts.set(i.name, takesPort(part) ? await freePort() : part.port);
    const upstreamOf = (edge: EdgeSpec): string => {
      const port = dependencies.get(edge.instance)?.started.port ?? servicePorts.get(edge.instance);
      if (port === undefined) throw new Error(`edge ${edge.name}: nothing runs as ${edge.instance}`);
      return `${LOOPBACK}:${port}`;
    };
    const edges = await createEdgeProxies(toxiproxy.url, system.edges, upstreamOf);
    progress(`toxiproxy: ${system.edges.length} proxies (${system.edges.map((e) => `${e.name} ${edges[e.name]?.listen}`).join(', ')})`);

    const services = new Map<string, { part: ServicePart; started: StartedService }>();
    const node = binaries.node ?? '';
    for (const wave of startWaves(system)) {
      stopIfAborted();
      // allSettled, not all: every start must have finished (or failed) before a failure stops
      // the stack, or a process still being launched would outlive stop()
      const results = await Promise.allSettled(
        wave.flatMap((name) => {
          const part = system.parts[name] as ServicePart;
          return part.instances.map(async (instance) => {
            const at = (port: number) => ({
              host: LOOPBACK,
              port,
              replica: instance.replica,
              node,
              root: system.root,
              edgeAddress: (edge: string) => edges[edge]?.listen,
            });
            const launch = (port: number) => ({
              name: instance.name,
              argv: partCommand(system, part, options.disabled, at(port)) as string[],
              cwd: system.root,
              port,
              // a Node part reuses its compiled code from run to run (its own setting wins)
              env: { ...(usesNode(part) ? { NODE_COMPILE_CACHE: nodeCompileCache() } : {}), ...partEnv(system, part, options.disabled, at(port)) },
              readiness: part.readiness,
            });
            const service = await timed(
              progress,
              () => instance.name,
              () =>
                startServiceWithPortRetry(ctx, servicePorts.get(instance.name) as number, takesPort(part), launch, async (port) => {
                  servicePorts.set(instance.name, port);
                  for (const e of system.edges.filter((x) => x.instance === instance.name)) {
                    const upstream = `${LOOPBACK}:${port}`;
                    await updateProxy(toxiproxy.url, e.proxy, { upstream });
                    edges[e.name] = { ...(edges[e.name] as EdgeEndpoint), upstream };
                  }
                }).catch((error: unknown) => {
                  // named as the declaration names it: the part whose command or readiness failed
                  throw new HarnessError(
                    `${system.file}: parts.${part.name}${part.instances.length > 1 ? ` (replica ${instance.name})` : ''} (readiness ${JSON.stringify(part.readiness)}): ${(error as Error).message}`,
                  );
                }),
            );
            services.set(instance.name, { part, started: service });
          });
        }),
      );
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed !== undefined) throw failed.reason;
    }

    const serviceEndpoints: Record<string, ServiceEndpoint> = {};
    for (const [name, s] of services) serviceEndpoints[name] = { name, url: s.started.url, id: String(s.started.process.pid) };
    const processes: Record<string, LocalProcessInfo> = {};
    const noteProcess = (child: RunningProcess): void => {
      processes[child.name] = { pid: child.pid, command: describeCommand(child.argv), logFile: child.logFile };
      const service = serviceEndpoints[child.name];
      if (service !== undefined) service.id = String(child.pid);
    };
    for (const child of supervisor.children) noteProcess(child);
    const controlled: LocalPart[] = [
      ...[...dependencies].map(([name, d]) =>
        d.part.kind === 'postgres'
          ? {
              part: name,
              child: d.started.process,
              spec: d.started.spec,
              ready: () => postgresAccepts(d.started.port),
              readyWhat: `a connection to 127.0.0.1:${d.started.port}`,
            }
          : {
              part: name,
              child: d.started.process,
              spec: d.started.spec,
              ready: () => redisPing(d.started.port),
              readyWhat: `PONG from 127.0.0.1:${d.started.port}`,
            },
      ),
      ...[...services].map(([name, s]) => {
        const check = localReadiness(s.part.readiness, s.started.port, system.root, s.started.spec.env);
        return { part: name, child: s.started.process, spec: s.started.spec, ready: check.ready, readyWhat: check.what };
      }),
    ];
    const parts = Object.fromEntries(
      controlled.map((p) => [p.part, localPartControl(p, { supervisor, readyTimeoutMs: ctx.readyTimeoutMs, onRestarted: noteProcess })]),
    );
    const bootMs = ms(bootStart);
    progress(`local stack ready in ${bootMs} ms`);
    return {
      runtime: 'local',
      system,
      entryUrl: serviceEndpoints[system.entry]?.url ?? '',
      toxiproxyUrl: toxiproxy.url,
      edges,
      services: serviceEndpoints,
      versions: await versions,
      parts,
      bootMs,
      processes,
      tempDir,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Starts a service; when its port was taken meanwhile and it takes {{port}}, again on another (and the proxies in front of it follow). */
async function startServiceWithPortRetry(
  ctx: PartContext,
  firstPort: number,
  movable: boolean,
  launch: (port: number) => Parameters<typeof startService>[1],
  movePort: (port: number) => Promise<void>,
  attempts = 3,
): Promise<StartedService> {
  let port = firstPort;
  for (let attempt = 1; ; attempt++) {
    try {
      return await startService(ctx, launch(port));
    } catch (error) {
      if (!movable || attempt >= attempts || !saysAddressInUse((error as Error).message)) throw error;
      port = await freePort();
      await movePort(port);
    }
  }
}
