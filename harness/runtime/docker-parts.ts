// The engine connection and what the docker runtime can do to one running container: the
// container-level faults only this runtime does well (kill, start again, restart, pause — a frozen,
// gray dependency — and packet drops by iptables in the container's own network namespace).

import type { WriteStream } from 'node:fs';
import {
  BoundPorts,
  type ContainerRuntimeClient,
  getContainerRuntimeClient,
  type StartedTestContainer,
  type WaitStrategy,
  waitForContainer,
} from 'testcontainers';
import { HarnessError } from '../paths.ts';
import { pingDockerHost } from './docker-ping.ts';
import { countRule, type DropCounters, dropRule, parseInputChain } from './iptables.ts';
import { LOOPBACK } from './ports.ts';

export interface StartedPart {
  part: string;
  container: StartedTestContainer;
  wait: WaitStrategy;
  /** container port -> host port on 127.0.0.1 (fixed, so a restart keeps its URLs) */
  publish: Record<number, number>;
  log: WriteStream;
}

export interface ExecOutcome {
  exitCode: number;
  output: string;
}

export interface PacketDrop {
  /** the comment the iptables drop rule carries, to find it in a listing */
  comment: string;
  /** the drop rule's counters and those of the counting rule ahead of it; absent once they are gone */
  counters(): Promise<DropCounters>;
  /**
   * deletes the rule and checks it is gone; safe to call twice. Says whether it was still there
   * (a container that exited took its network namespace, and the rule, with it).
   */
  remove(): Promise<boolean>;
}

export interface ContainerControl {
  part: string;
  /** container name, e.g. faultline-<run id>-postgres */
  name: string;
  id: string;
  /** `docker kill`: the process gets the signal (default SIGKILL); the container stays, exited */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** starts a killed or stopped container again and waits until it is ready */
  start(): Promise<void>;
  /** `docker restart` (stop signal, SIGKILL after `timeoutMs`, default 0) and wait until ready */
  restart(options?: { timeoutMs?: number }): Promise<void>;
  /** `docker pause`: every process frozen (cgroup freezer); connections stay open, nothing answers */
  pause(): Promise<void>;
  unpause(): Promise<void>;
  /** running, paused, exited, restarting, … as the engine says */
  state(): Promise<string>;
  exec(argv: string[], options?: { user?: string }): Promise<ExecOutcome>;
  /** drops incoming packets with `probability` (iptables statistic), as on a lossy network; `label` is the rule's comment (default faultline-drop-<random>) */
  dropPackets(probability: number, options?: { label?: string }): Promise<PacketDrop>;
}

function withTimeout<T>(work: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/**
 * testcontainers settings faultline needs. Its reaper (Ryuk) is an image that cannot be pulled
 * offline, so it is off unless the user turned it on; docker-cleanup.ts does its job. And every
 * port faultline publishes is bound to 127.0.0.1 only (no traffic leaves loopback), so the host the
 * waits and URLs use is 127.0.0.1: where /.dockerenv exists (a CI runner that is itself a
 * container) testcontainers would otherwise guess the bridge gateway (172.17.0.1), where nothing
 * listens, and every HTTP readiness wait would time out.
 */
function configureTestcontainers(): void {
  process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
  process.env.TESTCONTAINERS_HOST_OVERRIDE ??= LOOPBACK;
}

/** The engine, through testcontainers (DOCKER_HOST, ~/.testcontainers.properties or the local socket). */
export async function connectEngine(timeoutMs = 5_000): Promise<ContainerRuntimeClient> {
  configureTestcontainers();
  try {
    return await withTimeout(getContainerRuntimeClient(), timeoutMs, 'the Docker engine');
  } catch (error) {
    throw new HarnessError(`${noEngine(error)}; run \`npm run setup\` as root (it installs and starts one), or use --runtime local`);
  }
}

const noEngine = (error: unknown): string =>
  error instanceof HarnessError ? error.message : `no Docker engine answers (${(error as Error).message.split('\n')[0]})`;

/** Whether an engine answers, and why not, for `--runtime auto`. Never throws. */
export async function engineStatus(timeoutMs = 3_000): Promise<{ ok: true; version: string } | { ok: false; why: string }> {
  configureTestcontainers();
  try {
    if (process.env.DOCKER_HOST) await pingDockerHost(process.env.DOCKER_HOST, timeoutMs);
    const client = await withTimeout(getContainerRuntimeClient(), timeoutMs, 'the Docker engine');
    return { ok: true, version: String(client.info.containerRuntime.serverVersion) };
  } catch (error) {
    return { ok: false, why: noEngine(error) };
  }
}

/**
 * Runs `work` with a timer keeping the event loop alive: testcontainers reads container logs over
 * sockets it unrefs, and a wait that ends up only reading them (a container that exited while it
 * was awaited) would otherwise let Node exit with the await unsettled.
 */
export async function keepingAlive<T>(work: () => Promise<T>): Promise<T> {
  const timer = setInterval(() => undefined, 1_000);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}

/** Streams the container's output (from now on) into its log file, after a start or restart. */
export async function attachLogs(client: ContainerRuntimeClient, part: StartedPart, since = new Date()): Promise<void> {
  const stream = await client.container.logs(client.container.getById(part.container.getId()), { since: Math.floor(since.getTime() / 1000) });
  stream.pipe(part.log, { end: false });
}

export function controlOf(client: ContainerRuntimeClient, part: StartedPart, reattachLogs: () => Promise<void>): ContainerControl {
  const id = part.container.getId();
  const handle = (): ReturnType<typeof client.container.getById> => client.container.getById(id);
  const exec = async (argv: string[], options: { user?: string } = {}): Promise<ExecOutcome> => {
    const result = await part.container.exec(argv, options.user === undefined ? {} : { user: options.user });
    return { exitCode: result.exitCode, output: result.output };
  };
  const boundPorts = (): BoundPorts => {
    const ports = new BoundPorts();
    for (const [inner, host] of Object.entries(part.publish)) ports.setBinding(Number(inner), host);
    return ports;
  };
  return {
    part: part.part,
    name: part.container.getName().replace(/^\//, ''),
    id,
    async kill(signal = 'SIGKILL') {
      await handle().kill({ signal });
    },
    start: () =>
      keepingAlive(async () => {
        const startTime = new Date();
        await handle().start();
        await reattachLogs();
        await waitForContainer(client, handle(), part.wait, boundPorts(), startTime);
      }),
    restart: (options = {}) =>
      keepingAlive(async () => {
        await part.container.restart({ timeout: options.timeoutMs ?? 0 });
        await reattachLogs();
      }),
    async pause() {
      await handle().pause();
    },
    async unpause() {
      await handle().unpause();
    },
    async state() {
      return (await handle().inspect()).State.Status;
    },
    exec,
    async dropPackets(probability, options = {}) {
      if (!(probability > 0 && probability <= 1)) throw new Error(`dropPackets: probability ${probability} must be in (0, 1]`);
      const comment = options.label ?? `faultline-drop-${Math.random().toString(36).slice(2, 8)}`;
      const rule = dropRule(probability, comment);
      const where = `the ${part.part} container`;
      /** Runs iptables in the container as root; its output, or an error naming the command. */
      const iptables = async (argv: string[]): Promise<string> => {
        const out = await exec(['iptables', '-w', ...argv], { user: 'root' });
        if (out.exitCode !== 0) throw new Error(`iptables ${argv.slice(0, 2).join(' ')} in ${where} failed (exit ${out.exitCode}): ${out.output.trim()}`);
        return out.output;
      };
      const counters = async (): Promise<DropCounters> => parseInputChain(await iptables(['-L', 'INPUT', '-v', '-x', '-n']), comment);
      // the drop first, then the counting rule above it: it sees every packet the drop judges
      await iptables(['-I', ...rule]);
      await iptables(['-I', ...countRule(comment)]);
      let removed = false;
      return {
        comment,
        counters,
        async remove() {
          if (removed) return false;
          removed = true;
          const status = (await handle().inspect()).State.Status;
          if (status === 'exited' || status === 'dead' || status === 'created') return false; // its namespace went with it
          if (status === 'paused')
            throw new Error(`cannot remove the iptables drop ${comment} in ${where}: it is paused (the drop goes with the container when the stack stops)`);
          const before = await counters();
          if (before.seen !== undefined) await iptables(['-D', ...countRule(comment)]);
          if (before.dropped === undefined) return false;
          await iptables(['-D', ...rule]);
          const after = await counters();
          if (after.dropped !== undefined || after.seen !== undefined)
            throw new Error(`the iptables drop ${comment} in ${where} is still listed after iptables -D`);
          return true;
        },
      };
    },
  };
}
