// The docker runtime against a real engine and the images `npm run setup` built: the stack as
// containers on one network, every edge through Toxiproxy, the container-level faults, and the
// cleanup of a run that was killed with SIGKILL. Skips, saying why, where no engine answers.

import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DockerStack, dockerRuntime } from '../../harness/runtime/docker.ts';
import { cleanupDockerLeftovers } from '../../harness/runtime/docker-cleanup.ts';
import { LABEL_RUN_ID } from '../../harness/runtime/docker-layout.ts';
import { connectEngine } from '../../harness/runtime/docker-parts.ts';
import { redisPing } from '../../harness/runtime/redis.ts';
import { addToxic, listProxies, removeToxic } from '../../harness/runtime/toxiproxy.ts';
import { shop } from '../helpers/systems.ts';
import { allFaultlineObjects, docker, leftoversOf, skipReason } from './engine.ts';

const scratch = mkdtempSync(join(tmpdir(), 'faultline-test-docker-'));
afterAll(() => (process.env.FAULTLINE_KEEP_SCRATCH ? undefined : rmSync(scratch, { recursive: true, force: true })));
const suffix = Math.random().toString(36).slice(2, 8);
/** one container per part: the dependencies, Toxiproxy, and every service replica */
const PARTS = ['toxiproxy', ...shop.instances.map((i) => i.name)].sort();
const catalog = shop.instances.find((i) => i.part === 'catalog')?.name as string;
const hostPort = (listen: string): { host: string; port: number } => ({ host: listen.split(':')[0] as string, port: Number(listen.split(':')[1]) });

/** Starts a stack in a child process and returns once it is up; the caller SIGKILLs the child. */
function holdStack(runId: string): Promise<{ child: ChildProcess; containers: string[] }> {
  const child = spawn(
    process.execPath,
    ['--disable-warning=ExperimentalWarning', join(import.meta.dirname, 'fixtures', 'hold-stack.ts'), runId, join(scratch, runId)],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const ready = /^READY (.*)$/m.exec(out);
      if (ready) resolve({ child, containers: (JSON.parse(ready[1] as string) as { containers: string[] }).containers });
    });
    child.on('exit', (code) => reject(new Error(`hold-stack exited with ${code} before READY: ${err}`)));
  });
}

async function sigkill(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}

async function pgQueryVia(listen: string, timeoutMs = 3000): Promise<void> {
  const client = new pg.Client({ ...hostPort(listen), user: 'faultline', database: 'faultline', connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
  } finally {
    await client.end().catch(() => undefined);
  }
}

const inspect = (
  name: string,
): {
  HostConfig: { PortBindings: Record<string, { HostIp: string }[]> };
  NetworkSettings: { Networks: Record<string, unknown> };
  Config: { Labels: Record<string, string> };
} => (JSON.parse(execFileSync('docker', ['inspect', name], { encoding: 'utf8' })) as [ReturnType<typeof inspect>])[0];

describe.skipIf(!docker.ok)(`docker runtime ${skipReason}`, () => {
  const runId = `test-docker-${suffix}`;
  const killedRunId = `test-killed-${suffix}`;
  const lines: string[] = [];
  let stack: DockerStack;
  let killedContainers: string[] = [];

  beforeAll(async () => {
    // a run that dies without stopping: its stack must be gone before the next one boots
    const held = await holdStack(killedRunId);
    killedContainers = held.containers;
    await sigkill(held.child);
    stack = await dockerRuntime().start({ system: shop, runDir: join(scratch, runId), runId, disabled: [], seed: 3, progress: (l) => lines.push(l) });
  }, 120_000);
  afterAll(async () => {
    await stack?.stop();
    expect(leftoversOf(runId)).toEqual({ containers: [], networks: [] });
    // nothing this file started is left: its runs all end in `suffix`
    expect(allFaultlineObjects().filter((o) => o.includes(suffix))).toEqual([]);
  }, 60_000);

  it('removes the containers and network of a SIGKILLed run before the next stack boots', () => {
    expect(killedContainers.length).toBe(PARTS.length);
    expect(lines.some((l) => l.includes(`docker run ${killedRunId} ended without stopping its stack`))).toBe(true);
    expect(leftoversOf(killedRunId)).toEqual({ containers: [], networks: [] });
  });

  it('boots every part as its own container, on the run network only, publishing on 127.0.0.1 only', () => {
    expect(Object.keys(stack.containers).sort()).toEqual(PARTS);
    expect(stack.runtime).toBe('docker');
    expect(stack.entryUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(stack.toxiproxyUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    for (const c of Object.values(stack.containers)) {
      const info = inspect(c.name);
      expect(Object.keys(info.NetworkSettings.Networks), c.name).toEqual([stack.network]);
      expect(info.Config.Labels[LABEL_RUN_ID]).toBe(runId);
      for (const bindings of Object.values(info.HostConfig.PortBindings ?? {})) for (const b of bindings) expect(b.HostIp, c.name).toBe('127.0.0.1');
    }
    expect(stack.versions).toMatchObject({
      postgres: expect.stringMatching(/^15\./),
      toxiproxy: expect.stringMatching(/^v2\./),
      node: expect.stringMatching(/^24\./),
    });
    expect(stack.bootMs).toBeGreaterThan(0);
    expect(lines.some((l) => l.startsWith('docker stack ready in'))).toBe(true);
  });

  it('waits on and reaches published ports at 127.0.0.1, also where /.dockerenv makes testcontainers guess the bridge gateway', async () => {
    expect((await connectEngine()).info.containerRuntime.host).toBe('127.0.0.1');
  });

  it('routes every edge through its own Toxiproxy proxy, and a toxic on one edge slows it', async () => {
    const proxies = await listProxies(stack.toxiproxyUrl);
    expect(Object.keys(proxies).sort()).toEqual(shop.edges.map((e) => e.proxy).sort());
    expect(proxies.catalog_to_postgres?.upstream).toBe('postgres:5432');
    const res = await fetch(`${stack.entryUrl}/products/1`, { headers: { 'x-tenant': 'acme' } });
    expect(res.status).toBe(200);
    const edge = stack.edges['catalog->postgres'];
    await addToxic(stack.toxiproxyUrl, 'catalog_to_postgres', { name: 'slow', type: 'latency', attributes: { latency: 300 } });
    try {
      const t0 = performance.now();
      await pgQueryVia(edge?.listen as string);
      expect(performance.now() - t0).toBeGreaterThan(300);
    } finally {
      await removeToxic(stack.toxiproxyUrl, 'catalog_to_postgres', 'slow');
    }
  });

  it('freezes a dependency with pause and thaws it with unpause', async () => {
    const redis = hostPort(stack.edges['catalog->redis']?.listen as string);
    expect(await redisPing(redis.port, redis.host)).toBe(true);
    await stack.containers.redis?.pause();
    try {
      expect(await stack.containers.redis?.state()).toBe('paused');
      await expect(redisPing(redis.port, redis.host, 500)).rejects.toThrow(/no PING reply/);
    } finally {
      await stack.containers.redis?.unpause();
    }
    expect(await redisPing(redis.port, redis.host)).toBe(true);
  });

  it('kills a container and starts it again', { timeout: 30_000 }, async () => {
    const postgres = stack.containers.postgres;
    await postgres?.kill();
    expect(await postgres?.state()).toBe('exited');
    await expect(pgQueryVia(stack.edges['catalog->postgres']?.listen as string, 1000)).rejects.toThrow();
    await postgres?.start();
    expect(await postgres?.state()).toBe('running');
    await pgQueryVia(stack.edges['catalog->postgres']?.listen as string);
  });

  it('restarts a service container on the same published port', { timeout: 30_000 }, async () => {
    await stack.containers[catalog]?.restart();
    const res = await fetch(`${stack.services[catalog]?.url}/health/ready`);
    expect(res.status).toBe(200);
  });

  it('drops packets inside one container network namespace with iptables, and stops again', { timeout: 20_000 }, async () => {
    const redis = hostPort(stack.edges['catalog->redis']?.listen as string);
    const drop = await stack.containers.redis?.dropPackets(1);
    try {
      await expect(redisPing(redis.port, redis.host, 1000)).rejects.toThrow(/no PING reply/);
    } finally {
      await drop?.remove();
    }
    expect(await redisPing(redis.port, redis.host, 3000)).toBe(true);
  });

  it('says whether IP-level netem exists in this kernel, and why not', async () => {
    const netem = await stack.netem();
    expect(typeof netem.available).toBe('boolean');
    if (!netem.available) expect(netem.why).toMatch(/netem/);
  });

  it('leaves nothing of a SIGKILLed run after an explicit cleanup', { timeout: 60_000 }, async () => {
    const again = `test-killed2-${suffix}`;
    const held = await holdStack(again);
    await sigkill(held.child);
    expect(leftoversOf(again).containers.length).toBe(PARTS.length);
    const removed = await cleanupDockerLeftovers(await connectEngine(), () => undefined);
    expect(removed.filter((l) => l.includes(again)).length).toBe(PARTS.length + 1); // and the network
    expect(leftoversOf(again)).toEqual({ containers: [], networks: [] });
    // the live stack of this test is left alone
    expect(leftoversOf(runId).containers.length).toBe(PARTS.length);
  });
});
