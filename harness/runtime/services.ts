// A system's service parts as local children: the declaration's command, run in the system's
// folder with its environment templates filled in (its edges' addresses, its port), ready when its
// readiness check says so (an HTTP path answering 200, a TCP connect, or a command exiting 0).

import { connect } from 'node:net';
import { join } from 'node:path';
import { execa } from 'execa';
import { httpText } from '../loopback-http.ts';
import { HarnessError } from '../paths.ts';
import type { ReadinessInput } from '../system/define.ts';
import { LOOPBACK } from './ports.ts';
import { type ProcessSpec, type RunningProcess, waitUntil } from './processes.ts';
import { type PartContext, startFailure } from './supervisor.ts';

export interface ServiceLaunch {
  /** the instance: a part, or one replica of it */
  name: string;
  argv: readonly string[];
  cwd: string;
  port: number;
  env: Readonly<Record<string, string>>;
  readiness: ReadinessInput;
}

export interface StartedService {
  process: RunningProcess;
  url: string;
  port: number;
  /** how it was started, for a restart on the same port */
  spec: ProcessSpec;
}

/**
 * GET <url><path> answers 200 (throws saying what it answered otherwise); given `pid`, the answer
 * must be JSON naming that process: a port taken by someone else (another run's service, after our
 * child lost the race for it) must never pass for our service being ready.
 */
export async function answersReady(url: string, path: string, pid?: number): Promise<boolean> {
  // the loopback client: its timer is cleared with the answer, where fetch's AbortSignal.timeout
  // fired 2 s after every readiness poll, the last ones inside the load's first second
  const { status, text } = await httpText(url, path, `the readiness check of ${url}`, { timeoutMs: 2000 });
  if (status !== 200) throw new Error(`GET ${path} answered ${status}`);
  if (pid !== undefined) {
    let answered: unknown;
    try {
      answered = (JSON.parse(text) as { pid?: unknown }).pid;
    } catch {
      answered = undefined;
    }
    if (answered !== pid)
      throw new Error(`${url} is answered by another process (pid ${JSON.stringify(answered)}), not the one started (pid ${pid}): is its port taken?`);
  }
  return true;
}

/** A TCP connect to host:port is accepted within `timeoutMs`. */
export function acceptsConnect(port: number, host: string = LOOPBACK, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    const timer = setTimeout(() => socket.destroy(new Error(`no connect within ${timeoutMs} ms`)), timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(true);
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/** A readiness command exits 0 within `timeoutMs` (run in `cwd` with `env`). */
export async function commandSucceeds(argv: readonly string[], cwd: string, env: Readonly<Record<string, string>>, timeoutMs = 5000): Promise<boolean> {
  const r = await execa(argv[0] as string, argv.slice(1), { cwd, env: { ...env }, extendEnv: false, timeout: timeoutMs, reject: false });
  if (r.failed) throw new Error(`${argv.join(' ')} failed: ${((r.stderr || r.stdout || r.shortMessage) ?? '').trim().split('\n').slice(-1)[0]}`);
  return true;
}

/** The check a readiness declaration makes of a local process on `port`, and what it waits for. */
export function localReadiness(
  readiness: ReadinessInput,
  port: number,
  cwd: string,
  env: Readonly<Record<string, string>>,
): { ready: (child: RunningProcess) => Promise<boolean>; what: string } {
  const url = `http://${LOOPBACK}:${port}`;
  if ('http' in readiness)
    return {
      ready: (child) => answersReady(url, readiness.http, readiness.pid ? child.pid : undefined),
      what: `GET ${url}${readiness.http} = 200${readiness.pid ? ' naming its pid' : ''}`,
    };
  if ('tcp' in readiness) return { ready: () => acceptsConnect(port), what: `a connect to ${LOOPBACK}:${port}` };
  return { ready: () => commandSucceeds(readiness.command, cwd, env), what: `${readiness.command.join(' ')} to exit 0` };
}

export async function startService(ctx: PartContext, launch: ServiceLaunch): Promise<StartedService> {
  const url = `http://${LOOPBACK}:${launch.port}`;
  const env = { ...ctx.baseEnv, ...launch.env };
  const spec: ProcessSpec = { name: launch.name, argv: launch.argv, env, cwd: launch.cwd, logFile: join(ctx.logsDir, `${launch.name}.log`) };
  const check = localReadiness(launch.readiness, launch.port, launch.cwd, env);
  let child: RunningProcess | undefined;
  try {
    child = await ctx.supervisor.launch(spec);
    const started = child;
    await waitUntil(() => check.ready(started), { what: check.what, timeoutMs: ctx.readyTimeoutMs, process: child, intervalMs: 100 });
    return { process: child, url, port: launch.port, spec };
  } catch (error) {
    if (child) await ctx.supervisor.stopOne(child);
    if (error instanceof HarnessError) throw error;
    throw await startFailure(launch.name, spec, error);
  }
}
