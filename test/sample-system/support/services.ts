// The sample system's services as children of a test, on 127.0.0.1 and a free port, run the way
// the harness runs them (Node 24, TypeScript by type stripping). Their output is kept for
// assertion messages.

import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, stopChild, waitFor } from './infra.ts';

export const PROJECT_ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const LOCAL_NODE = join(PROJECT_ROOT, 'node_modules', '.bin', 'node');
export const NODE = existsSync(LOCAL_NODE) ? LOCAL_NODE : process.execPath;

export const ENTRIES = {
  catalog: join(PROJECT_ROOT, 'sample-system', 'services', 'catalog', 'main.ts'),
  orders: join(PROJECT_ROOT, 'sample-system', 'services', 'orders', 'main.ts'),
  payments: join(PROJECT_ROOT, 'sample-system', 'services', 'payments', 'main.ts'),
  recommendations: join(PROJECT_ROOT, 'sample-system', 'services', 'recommendations', 'main.ts'),
  gateway: join(PROJECT_ROOT, 'sample-system', 'gateway', 'main.ts'),
} as const;

export interface RunningService {
  name: string;
  url: string;
  process: ChildProcess;
  output(): string;
  /** SIGTERM; resolves with the exit code and how long the exit took */
  stop(): Promise<{ code: number | null; tookMs: number }>;
}

/** Runs an entry to completion (for env validation tests). */
export function runToExit(entry: string, env: Record<string, string>, timeoutMs = 10_000): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(NODE, ['--disable-warning=ExperimentalWarning', entry], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

/** Starts a service and waits until it is ready (or only live: `until: 'live'`). */
export async function startService(
  name: keyof typeof ENTRIES,
  env: Record<string, string>,
  label: string = name,
  until: 'ready' | 'live' = 'ready',
): Promise<RunningService> {
  const port = await freePort();
  const child = spawn(NODE, ['--disable-warning=ExperimentalWarning', ENTRIES[name]], {
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (d: Buffer): void => {
    output = (output + d.toString()).slice(-200_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const url = `http://127.0.0.1:${port}`;
  const service: RunningService = {
    name: label,
    url,
    process: child,
    output: () => output,
    stop: async () => {
      const t0 = performance.now();
      const code = await stopChild(child, 'SIGTERM', 5000);
      return { code, tookMs: performance.now() - t0 };
    },
  };
  try {
    await waitFor(`${label} ${until} at ${url}`, async () => {
      if (child.exitCode !== null) throw new Error(`${label} exited with ${child.exitCode}: ${output.slice(-2000)}`);
      const res = await fetch(`${url}/health/${until}`, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      return res.status === 200;
    });
  } catch (error) {
    await service.stop();
    throw error;
  }
  return service;
}

/** Starts services at once; each that started goes into `into` (what afterAll stops), even if another failed. */
export async function startAll(into: RunningService[], starts: (() => Promise<RunningService>)[]): Promise<RunningService[]> {
  const results = await Promise.allSettled(starts.map((s) => s()));
  for (const r of results) if (r.status === 'fulfilled') into.push(r.value);
  for (const r of results) if (r.status === 'rejected') throw r.reason;
  return results.map((r) => (r as PromiseFulfilledResult<RunningService>).value);
}
