// The sample system's services as Node children (TypeScript by type stripping), each on
// 127.0.0.1 and its own port, ready when `GET /health/ready` answers 200.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { HarnessError, PROJECT_ROOT } from '../paths.ts';
import type { ServiceName } from '../topology.ts';
import { LOOPBACK } from './ports.ts';
import { waitUntil, type ProcessSpec, type RunningProcess } from './processes.ts';
import { startFailure, type PartContext } from './supervisor.ts';

export interface ServiceLaunch {
  name: string;
  /** entry file (absolute) */
  file: string;
  port: number;
  env: Readonly<Record<string, string>>;
}

export interface StartedService {
  process: RunningProcess;
  url: string;
  port: number;
  /** how it was started, for a restart on the same port */
  spec: ProcessSpec;
}

/** The entry file of a service in sample-system/. */
export function serviceEntry(name: ServiceName): string {
  return name === 'gateway' ? join(PROJECT_ROOT, 'sample-system', 'gateway', 'main.ts') : join(PROJECT_ROOT, 'sample-system', 'services', name, 'main.ts');
}

/**
 * GET /health/ready answers 200 (throws saying what it answered otherwise); given `pid`, the answer
 * must come from that process: a port taken by someone else (another run's service, after our
 * child lost the race for it) must never pass for our service being ready.
 */
export async function answersReady(url: string, pid?: number): Promise<boolean> {
  const res = await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(2000) });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`GET /health/ready answered ${res.status}`);
  if (pid !== undefined) {
    let answered: unknown;
    try {
      answered = (JSON.parse(text) as { pid?: unknown }).pid;
    } catch {
      answered = undefined;
    }
    if (answered !== pid) throw new Error(`${url} is answered by another process (pid ${JSON.stringify(answered)}), not the one started (pid ${pid}): is its port taken?`);
  }
  return true;
}

export async function startService(ctx: PartContext, node: string, launch: ServiceLaunch): Promise<StartedService> {
  if (!existsSync(launch.file)) throw new HarnessError(`${launch.name} did not start: its entry file ${launch.file} does not exist`);
  const url = `http://${LOOPBACK}:${launch.port}`;
  const spec: ProcessSpec = {
    name: launch.name,
    argv: [node, '--disable-warning=ExperimentalWarning', launch.file],
    env: { ...ctx.baseEnv, HOST: LOOPBACK, PORT: String(launch.port), ...launch.env },
    cwd: PROJECT_ROOT,
    logFile: join(ctx.logsDir, `${launch.name}.log`),
  };
  let child: RunningProcess | undefined;
  try {
    child = await ctx.supervisor.launch(spec);
    const started = child;
    await waitUntil(() => answersReady(url, started.pid), { what: `GET ${url}/health/ready = 200 from pid ${started.pid}`, timeoutMs: ctx.readyTimeoutMs, process: child, intervalMs: 100 });
    return { process: child, url, port: launch.port, spec };
  } catch (error) {
    if (child) await ctx.supervisor.stopOne(child);
    throw await startFailure(launch.name, spec, error);
  }
}
