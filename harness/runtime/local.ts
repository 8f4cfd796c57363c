// The local runtime: the whole reference system as child processes on 127.0.0.1 — Postgres,
// redis-server and Toxiproxy first (in parallel), one Toxiproxy proxy per topology edge, then the
// services in dependency order, each dialing its dependencies through its edge's proxy.
// Every child is in the ledger before it is spawned; stop() stops them newest first, deletes the
// temp dir and the ledger. Nothing global is registered: the caller owns signals and calls stop().

import { accessSync, constants, existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HarnessError } from '../paths.ts';
import { EDGES, INSTANCES, instancesOf, SERVICES, type EdgeSpec, type ServiceName } from '../topology.ts';
import { findBinaries, versionsOf, type Binaries } from './binaries.ts';
import { openLedger, TEMP_DIR_PREFIX } from './ledger.ts';
import { freePort, LOOPBACK, saysAddressInUse } from './ports.ts';
import { checkPostgresCanReach, PG_DATABASE, PG_USER, postgresAccepts, startPostgres } from './postgres.ts';
import { localPartControl, type LocalPart } from './local-parts.ts';
import { describeCommand, DEFAULT_STOP_GRACE_MS, type RunningProcess } from './processes.ts';
import { redisPing, startRedis } from './redis.ts';
import { answersReady, serviceEntry, startService, type StartedService } from './services.ts';
import { createSupervisor, type PartContext } from './supervisor.ts';
import { updateProxy } from './toxiproxy.ts';
import { createEdgeProxies, startToxiproxy } from './toxiproxy-server.ts';
import type { EdgeEndpoint, Runtime, RuntimeOptions, ServiceEndpoint, StartedStack } from './types.ts';

export interface LocalRuntimeConfig {
  /** ledger folder (default .faultline/state) */
  stateDir?: string;
  /** entry files to run instead of sample-system's (tests use stand-ins) */
  serviceFiles?: Partial<Record<ServiceName, string>>;
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
  /** the running children by part name (postgres, redis, toxiproxy, catalog, ...) */
  processes: Readonly<Record<string, LocalProcessInfo>>;
  /** this stack's temp dir (Postgres data, Redis dir); deleted by stop() */
  tempDir: string;
}

export interface LocalRuntime extends Runtime {
  readonly name: 'local';
  start(options: RuntimeOptions): Promise<LocalStack>;
}

export function localRuntime(config: LocalRuntimeConfig = {}): LocalRuntime {
  return { name: 'local', check: () => void checkLocal(config), start: (options) => startLocalStack(options, config) };
}

/** Every program and service file the stack needs, or a HarnessError naming the missing one. */
function checkLocal(config: LocalRuntimeConfig): { binaries: Binaries; serviceFiles: Map<ServiceName, string> } {
  const binaries = findBinaries();
  const serviceFiles = new Map(SERVICES.map((name) => [name, config.serviceFiles?.[name] ?? serviceEntry(name)]));
  for (const [name, file] of serviceFiles)
    if (!existsSync(file)) throw new HarnessError(`${name} cannot start: its entry file ${file} does not exist`);
  checkPostgresCanReach(stackTmpRoot());
  return { binaries, serviceFiles };
}

/** Services in an order where each starts after the services it calls. */
export function serviceStartOrder(services: readonly ServiceName[], edges: readonly EdgeSpec[]): ServiceName[] {
  const order: ServiceName[] = [];
  const visit = (name: ServiceName, path: readonly ServiceName[]): void => {
    if (order.includes(name)) return;
    if (path.includes(name)) throw new Error(`service dependency cycle: ${[...path, name].join(' -> ')}`);
    for (const e of edges) if (e.from === name && (services as readonly string[]).includes(e.to)) visit(e.to as ServiceName, [...path, name]);
    order.push(name);
  };
  for (const s of services) visit(s, []);
  return order;
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

/** Environment that points a service at its dependencies through its edges' proxies; a replicated one as a comma list. */
export function dependencyEnv(service: ServiceName, edges: Record<string, EdgeEndpoint>, specs: readonly EdgeSpec[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const spec of specs.filter((e) => e.from === service)) {
    const listen = edges[spec.name]?.listen;
    if (listen === undefined) continue;
    if (spec.to === 'postgres') env.DATABASE_URL = `postgres://${PG_USER}@${listen}/${PG_DATABASE}`;
    else if (spec.to === 'redis') env.REDIS_URL = `redis://${listen}`;
    else {
      const key = `${spec.to.toUpperCase()}_URL`;
      env[key] = env[key] === undefined ? `http://${listen}` : `${env[key]},http://${listen}`;
    }
  }
  return env;
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
  const { progress } = options;
  // Before anything starts: a missing tool or service file starts nothing.
  const { binaries, serviceFiles } = checkLocal(config);
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
    const infra = await Promise.allSettled([
      timed(progress, (p) => `postgres on 127.0.0.1:${p.port}`, () => startPostgres(ctx, binaries.pgBin)),
      timed(progress, (r) => `redis on 127.0.0.1:${r.port}`, () => startRedis(ctx, binaries.redisServer)),
      timed(progress, (t) => `toxiproxy on ${t.url.slice('http://'.length)}`, () => startToxiproxy(ctx, binaries.toxiproxyServer, options.seed)),
    ]);
    stopIfAborted();
    const failures = infra.flatMap((r) => (r.status === 'rejected' ? [r.reason as Error] : []));
    if (failures.length === 1) throw failures[0];
    if (failures.length > 1) throw new HarnessError(failures.map((e) => e.message).join('\n'));
    const [postgres, redis, toxiproxy] = infra.map((r) => (r as PromiseFulfilledResult<unknown>).value) as [
      Awaited<ReturnType<typeof startPostgres>>,
      Awaited<ReturnType<typeof startRedis>>,
      Awaited<ReturnType<typeof startToxiproxy>>,
    ];

    // Services get their ports now, so the proxies in front of them can be made first.
    const servicePorts = new Map<string, number>();
    for (const i of INSTANCES) servicePorts.set(i.name, await freePort());
    const upstreamOf = (edge: EdgeSpec): string => {
      const port = edge.to === 'postgres' ? postgres.port : edge.to === 'redis' ? redis.port : servicePorts.get(edge.instance ?? edge.to);
      if (port === undefined) throw new Error(`edge ${edge.name}: nothing runs as ${edge.to}`);
      return `${LOOPBACK}:${port}`;
    };
    const edges = await createEdgeProxies(toxiproxy.url, EDGES, upstreamOf);
    progress(`toxiproxy: ${EDGES.length} proxies (${EDGES.map((e) => `${e.name} ${edges[e.name]?.listen}`).join(', ')})`);

    const started = new Map<string, StartedService>();
    // Every service starts at once: each one waits for what it needs by itself (the catalog and
    // orders retry their migrations until Postgres answers, the gateway health-checks its
    // upstreams) and says so through /health/ready, which is what boot waits for. Starting them
    // in dependency waves instead measured 2.9-3.9 s to ready against 2.7-2.9 s for one wave.
    for (const level of [serviceStartOrder(SERVICES, EDGES)]) {
      stopIfAborted();
      // allSettled, not all: every start must have finished (or failed) before a failure stops
      // the stack, or a process still being launched would outlive stop()
      const results = await Promise.allSettled(
        level.flatMap((s) => instancesOf(s)).map(async ({ name, service: serviceName, replica }) => {
          const service = await timed(progress, () => name, () =>
            startServiceWithPortRetry(ctx, binaries.node, name, {
              file: serviceFiles.get(serviceName) as string,
              env: { ...dependencyEnv(serviceName, edges, EDGES), RESILIENCE_DISABLE: options.disabled.join(','), REPLICA_ID: `${serviceName}-${replica}` },
              port: servicePorts.get(name) as number,
              movePort: async (port) => {
                servicePorts.set(name, port);
                for (const e of EDGES.filter((x) => (x.instance ?? x.to) === name)) {
                  const upstream = `${LOOPBACK}:${port}`;
                  await updateProxy(toxiproxy.url, e.proxy, { upstream });
                  edges[e.name] = { ...(edges[e.name] as EdgeEndpoint), upstream };
                }
              },
            }),
          );
          started.set(name, service);
        }),
      );
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed !== undefined) throw failed.reason;
    }

    const gateway = started.get('gateway');
    const services: Record<string, ServiceEndpoint> = {};
    for (const [name, s] of started) services[name] = { name, url: s.url, id: String(s.process.pid) };
    const processes: Record<string, LocalProcessInfo> = {};
    const noteProcess = (child: RunningProcess): void => {
      processes[child.name] = { pid: child.pid, command: describeCommand(child.argv), logFile: child.logFile };
      const service = services[child.name];
      if (service !== undefined) service.id = String(child.pid);
    };
    for (const child of supervisor.children) noteProcess(child);
    const controlled: LocalPart[] = [
      { part: 'postgres', child: postgres.process, spec: postgres.spec, ready: () => postgresAccepts(postgres.port), readyWhat: `a connection to 127.0.0.1:${postgres.port}` },
      { part: 'redis', child: redis.process, spec: redis.spec, ready: () => redisPing(redis.port), readyWhat: `PONG from 127.0.0.1:${redis.port}` },
      ...[...started].map(([name, s]) => ({ part: name, child: s.process, spec: s.spec, ready: (child: RunningProcess) => answersReady(s.url, child.pid), readyWhat: `GET ${s.url}/health/ready = 200` })),
    ];
    const parts = Object.fromEntries(controlled.map((p) => [p.part, localPartControl(p, { supervisor, readyTimeoutMs: ctx.readyTimeoutMs, onRestarted: noteProcess })]));
    const bootMs = ms(bootStart);
    progress(`local stack ready in ${bootMs} ms`);
    return {
      runtime: 'local',
      gatewayUrl: gateway?.url ?? '',
      toxiproxyUrl: toxiproxy.url,
      edges,
      services,
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

interface ServiceStart {
  file: string;
  env: Record<string, string>;
  port: number;
  /** the port was taken: point whatever dials the service at the new one */
  movePort: (port: number) => Promise<void>;
}

async function startServiceWithPortRetry(ctx: PartContext, node: string, name: string, start: ServiceStart, attempts = 3): Promise<StartedService> {
  let port = start.port;
  for (let attempt = 1; ; attempt++) {
    try {
      return await startService(ctx, node, { name, file: start.file, port, env: start.env });
    } catch (error) {
      if (attempt >= attempts || !saysAddressInUse((error as Error).message)) throw error;
      port = await freePort();
      await start.movePort(port);
    }
  }
}
