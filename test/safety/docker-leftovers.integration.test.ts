// Leftovers of killed docker runs are removed before a run on any runtime, local included, when an
// engine answers; without one the look costs at most about a second (a refused connect, or the
// ping's timeout against something that never answers), and testcontainers is not even loaded.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { LABEL_OWNER, LABEL_OWNER_HOST, LABEL_PART, LABEL_RUN_ID } from '../../harness/runtime/docker-layout.ts';
import { dockerHostOf, pingDockerHost } from '../../harness/runtime/docker-ping.ts';
import { cleanupDockerIfEngine } from '../../harness/runtime/index.ts';
import { docker, leftoversOf, skipReason } from '../docker/engine.ts';

const scratch = mkdtempSync(join(tmpdir(), 'faultline-docker-leftovers-'));
const savedDockerHost = process.env.DOCKER_HOST;
afterEach(() => {
  if (savedDockerHost === undefined) delete process.env.DOCKER_HOST;
  else process.env.DOCKER_HOST = savedDockerHost;
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const start = performance.now();
  const value = await work();
  return { value, ms: performance.now() - start };
}

describe('with no engine behind DOCKER_HOST', () => {
  it('a socket path with nothing behind it: nothing removed, at once', async () => {
    process.env.DOCKER_HOST = `unix://${scratch}/no-engine.sock`;
    const lines: string[] = [];
    const { value, ms } = await timed(() => cleanupDockerIfEngine((l) => lines.push(l)));
    expect(value).toEqual([]);
    expect(lines).toEqual([]);
    expect(ms).toBeLessThan(300);
  });

  it('an address that accepts and never answers: gives up after the 1 s timeout', async () => {
    const held: Socket[] = [];
    const silent: Server = createServer((s) => void held.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    try {
      process.env.DOCKER_HOST = `tcp://127.0.0.1:${(silent.address() as { port: number }).port}`;
      const { value, ms } = await timed(() => cleanupDockerIfEngine(() => undefined));
      expect(value).toEqual([]);
      expect(held.length).toBe(1); // it did ask
      expect(ms).toBeGreaterThanOrEqual(950);
      expect(ms).toBeLessThan(1_300);
    } finally {
      for (const s of held) s.destroy();
      silent.close();
    }
  });

  it('the ping names DOCKER_HOST and what came back', async () => {
    process.env.DOCKER_HOST = `unix://${scratch}/no-engine.sock`;
    await expect(pingDockerHost(process.env.DOCKER_HOST, 500)).rejects.toThrow(
      `no Docker engine answers at DOCKER_HOST=unix://${scratch}/no-engine.sock (ENOENT`,
    );
  });
});

describe.skipIf(!docker.ok)(`with an engine that answers ${skipReason}`, () => {
  const runId = `test-dead-owner-${process.pid}-${Date.now().toString(36)}`;
  afterAll(() => {
    try {
      execFileSync('docker', ['rm', '-f', `faultline-${runId}-redis`], { stdio: 'ignore' });
    } catch {
      // already removed: what the test expects
    }
  });

  it('removes a container of a docker run whose owner is gone, as a local run starts', { timeout: 30_000 }, async () => {
    delete process.env.DOCKER_HOST;
    expect(dockerHostOf()).toBeDefined();
    const image = execFileSync('docker', ['images', '--format', '{{.Repository}}:{{.Tag}}', 'faultline/redis'], { encoding: 'utf8' }).split('\n')[0] as string;
    // pid 1's start time is never "x": an owner that no longer runs, on this host
    const labels = [`${LABEL_RUN_ID}=${runId}`, `${LABEL_PART}=redis`, `${LABEL_OWNER}=1:x`, `${LABEL_OWNER_HOST}=${hostname()}`];
    execFileSync('docker', ['create', '--name', `faultline-${runId}-redis`, ...labels.flatMap((l) => ['--label', l]), image], { stdio: 'ignore' });
    expect(leftoversOf(runId).containers).toEqual([`faultline-${runId}-redis`]);

    const lines: string[] = [];
    const removed = await cleanupDockerIfEngine((l) => lines.push(l));
    expect(removed.filter((l) => l.includes(runId))).toEqual([`removed container faultline-${runId}-redis (redis) of run ${runId}`]);
    expect(lines.some((l) => l.startsWith(`docker run ${runId} ended without stopping its stack`))).toBe(true);
    expect(leftoversOf(runId).containers).toEqual([]);
  });
});
