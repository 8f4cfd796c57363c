// The local runtime against the real things on 127.0.0.1: Postgres, redis-server, the Toxiproxy
// build in the per-user tool cache, and the shop's services as sample-system/system.ts declares them.

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupLeftovers, type LedgerData } from '../../harness/runtime/ledger.ts';
import { type LocalStack, localRuntime } from '../../harness/runtime/local.ts';
import { processIdentity } from '../../harness/runtime/processes.ts';
import { redisPing } from '../../harness/runtime/redis.ts';
import { addToxic, listToxics, removeToxic, ToxiproxyError } from '../../harness/runtime/toxiproxy.ts';
import type { RuntimeOptions } from '../../harness/runtime/types.ts';
import { edgeNames } from '../../harness/system/system.ts';
import { cacheRoot } from '../../harness/tools.ts';
import { shop, withCommands } from '../helpers/systems.ts';

const standIn = join(import.meta.dirname, 'fixtures', 'standin-service.ts');
const PARTS = [...shop.instances.map((i) => i.name), 'toxiproxy'].sort();

const scratch = mkdtempSync(join(tmpdir(), 'faultline-test-runtime-'));
const stateDir = join(scratch, 'state');
const lines: string[] = [];
const options = (runId: string, system = shop): RuntimeOptions => ({
  system,
  runDir: join(scratch, runId),
  runId,
  disabled: ['retry', 'breaker'],
  seed: 7,
  progress: (line) => lines.push(line),
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const hostPort = (listen: string): { host: string; port: number } => ({ host: listen.split(':')[0] as string, port: Number(listen.split(':')[1]) });

async function roundTripsMs(client: pg.Client, n: number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await client.query('SELECT 1');
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b)[Math.floor(n / 2)] as number;
}

describe('local runtime (the shop)', () => {
  let stack: LocalStack;

  beforeAll(async () => {
    stack = await localRuntime({ stateDir }).start(options('boot'));
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('boots every part on loopback, reports progress, versions and boot time', () => {
    expect(Object.keys(stack.processes).sort()).toEqual(PARTS);
    expect(stack.entryUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(stack.toxiproxyUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(Object.keys(stack.edges).sort()).toEqual(edgeNames(shop).sort());
    for (const edge of Object.values(stack.edges)) expect(edge.listen).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(stack.versions).toMatchObject({ postgres: expect.stringMatching(/^15\./), toxiproxy: 'v2.12.0', node: expect.stringMatching(/^24\./) });
    expect(stack.bootMs).toBeGreaterThan(0);
    expect(lines).toContainEqual(expect.stringMatching(/^postgres \(postgres\) on 127\.0\.0\.1:\d+ ready in \d+ ms$/));
    expect(lines).toContainEqual(expect.stringMatching(/^local stack ready in \d+ ms$/));
    expect(existsSync(join(scratch, 'boot', 'logs', 'postgres.log'))).toBe(true);
    expect(existsSync(join(stateDir, 'boot.json'))).toBe(true);
  });

  it("starts Postgres from initdb's pristine cluster, kept in the tool cache for the next stack", () => {
    const log = readFileSync(join(scratch, 'boot', 'logs', 'postgres.log'), 'utf8');
    // the first stack on this cache runs initdb and leaves its copy; every later one copies it
    expect(log).toMatch(/initdb .*-D .*--no-instructions|cluster copied from .*postgres-template/);
    const templates = join(cacheRoot(), 'postgres-template');
    expect(readdirSync(templates).some((d) => !d.includes('.tmp-') && existsSync(join(templates, d, 'PG_VERSION')))).toBe(true);
  });

  it('forwards Postgres through the catalog->postgres proxy as the faultline user', async () => {
    const client = new pg.Client({ ...hostPort(stack.edges['catalog->postgres']!.listen), user: 'faultline', database: 'faultline' });
    await client.connect();
    try {
      const { rows } = await client.query('SELECT current_user AS u, current_database() AS d');
      expect(rows[0]).toEqual({ u: 'faultline', d: 'faultline' });
    } finally {
      await client.end();
    }
  });

  it('forwards Redis through the catalog->redis proxy', async () => {
    const { host, port } = hostPort(stack.edges['catalog->redis']!.listen);
    expect(await redisPing(port, host)).toBe(true);
  });

  it('forwards HTTP through each gateway->catalog-N proxy to its own catalog replica', async () => {
    for (const edge of ['gateway->catalog-1', 'gateway->catalog-2']) {
      const res = await fetch(`http://${stack.edges[edge]!.listen}/health/ready`);
      expect(res.status, edge).toBe(200);
    }
    expect(stack.edges['gateway->catalog-1']!.upstream).not.toBe(stack.edges['gateway->catalog-2']!.upstream);
  });

  it('delays a Postgres round trip by about the latency a toxic adds, until it is removed', async () => {
    const proxy = stack.edges['catalog->postgres']!.proxy;
    const client = new pg.Client({ ...hostPort(stack.edges['catalog->postgres']!.listen), user: 'faultline', database: 'faultline' });
    await client.connect();
    try {
      const beforeMs = await roundTripsMs(client, 5);
      await addToxic(stack.toxiproxyUrl, proxy, { name: 'slow', type: 'latency', stream: 'downstream', attributes: { latency: 150, jitter: 0 } });
      expect((await listToxics(stack.toxiproxyUrl, proxy)).map((t) => t.name)).toEqual(['slow']);
      const duringMs = await roundTripsMs(client, 3);
      await removeToxic(stack.toxiproxyUrl, proxy, 'slow');
      const afterMs = await roundTripsMs(client, 3);
      expect(duringMs - beforeMs).toBeGreaterThanOrEqual(140);
      expect(duringMs - beforeMs).toBeLessThan(260);
      expect(afterMs).toBeLessThan(beforeMs + 50);
      expect(await listToxics(stack.toxiproxyUrl, proxy)).toEqual([]);
    } finally {
      await client.end();
    }
  });

  it('reports a Toxiproxy API refusal with method, path, status and the server message', async () => {
    const error = await addToxic(stack.toxiproxyUrl, 'no_such_proxy', { name: 'x', type: 'latency', attributes: { latency: 1 } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ToxiproxyError);
    expect((error as ToxiproxyError).message).toBe('Toxiproxy POST /proxies/no_such_proxy/toxics answered 404: proxy not found');
  });

  it('accepts our packet_loss toxic on a proxy', async () => {
    const proxy = stack.edges['catalog->redis']!.proxy;
    const toxic = await addToxic(stack.toxiproxyUrl, proxy, {
      name: 'loss',
      type: 'packet_loss',
      stream: 'upstream',
      attributes: { loss_rate: 1, correlation: 0 },
    });
    expect(toxic.attributes).toEqual({ loss_rate: 1, correlation: 0 });
    const { host, port } = hostPort(stack.edges['catalog->redis']!.listen);
    await expect(redisPing(port, host, 300)).rejects.toThrow(/no PING reply/);
    await removeToxic(stack.toxiproxyUrl, proxy, 'loss');
    expect(await redisPing(port, host)).toBe(true);
  });

  it('stops every child, deletes its temp dir and ledger, and can be stopped twice', async () => {
    const pids = Object.values(stack.processes).map((p) => p.pid);
    await stack.stop();
    for (const pid of pids) expect(await processIdentity(pid), `pid ${pid}`).toBeUndefined();
    expect(existsSync(stack.tempDir)).toBe(false);
    expect(existsSync(join(stateDir, 'boot.json'))).toBe(false);
    await stack.stop();
  });
});

describe('local runtime wiring (every shop service a stand-in that shows its environment)', () => {
  it('points each service at its dependencies through their proxies, as the declaration templates them', async () => {
    const node = ['{{node}}', '--disable-warning=ExperimentalWarning', standIn];
    const standIns = withCommands(
      shop,
      Object.fromEntries(
        Object.values(shop.parts)
          .filter((p) => p.kind === 'service')
          .map((p) => [p.name, node]),
      ),
    );
    const stack = await localRuntime({ stateDir }).start(options('wiring', standIns));
    try {
      const catalog = (await (await fetch(`${stack.services['catalog-1']!.url}/env`)).json()) as Record<string, string>;
      expect(catalog).toMatchObject({
        HOST: '127.0.0.1',
        PORT: new URL(stack.services['catalog-1']!.url).port,
        DATABASE_URL: `postgres://faultline@${stack.edges['catalog->postgres']!.listen}/faultline`,
        REDIS_URL: `redis://${stack.edges['catalog->redis']!.listen}`,
        RESILIENCE_DISABLE: 'retry,breaker',
        REPLICA_ID: 'catalog-1',
      });
      const gateway = (await (await fetch(`${stack.entryUrl}/env`)).json()) as Record<string, string>;
      expect(gateway.CATALOG_URL).toBe(`http://${stack.edges['gateway->catalog-1']!.listen},http://${stack.edges['gateway->catalog-2']!.listen}`);
    } finally {
      await stack.stop();
    }
  });
});

describe('local runtime boot failure', () => {
  const ourTempDirs = (): string[] => readdirSync(tmpdir()).filter((d) => /^faultline-[A-Za-z0-9]{6}$/.test(d));

  it('stops what it started and names the part, its command and its last log lines', async () => {
    const before = ourTempDirs();
    const crashing = join(import.meta.dirname, 'fixtures', 'crashing-service.ts');
    const node = ['{{node}}', '--disable-warning=ExperimentalWarning'];
    const broken = withCommands(shop, { catalog: [...node, crashing], gateway: [...node, standIn] });
    const start = localRuntime({ stateDir }).start(options('broken', broken));
    const error = (await start.catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toMatch(
      /system\.ts: parts\.catalog \(replica catalog-1\) \(readiness \{"http":"\/health\/ready","pid":true\}\): catalog-1 did not start: exited \(code 3\) before it was ready/,
    );
    expect(error.message).toMatch(/\n {2}command: \S*node --disable-warning=ExperimentalWarning \S*crashing-service\.ts\n/);
    expect(error.message).toContain('crashing-service: cannot connect to anything, giving up');
    expect(ourTempDirs()).toEqual(before);
    expect(existsSync(join(stateDir, 'broken.json'))).toBe(false);
  });
});

describe('a stack whose run died without stopping it', () => {
  it('is stopped and removed by cleanupLeftovers from its ledger alone', async () => {
    const stack = await localRuntime({ stateDir }).start(options('crashed'));
    try {
      // Make the ledger look like its owner died: point it at a process that has exited.
      const gone = spawn('true');
      await new Promise((resolve) => gone.once('exit', resolve));
      const file = join(stateDir, 'crashed.json');
      const data = JSON.parse(readFileSync(file, 'utf8')) as LedgerData;
      writeFileSync(file, JSON.stringify({ ...data, owner: { pid: gone.pid, startTime: '1' } }));

      const lines = await cleanupLeftovers(() => undefined, { stateDir });

      expect(
        lines
          .filter((l) => l.startsWith('stopped leftover'))
          .map((l) => l.split(' ')[2])
          .sort(),
      ).toEqual(PARTS);
      expect(lines).toContain(`removed temp dir ${stack.tempDir} of run crashed`);
      for (const { pid } of Object.values(stack.processes)) expect(await processIdentity(pid), `pid ${pid}`).toBeUndefined();
      expect(existsSync(stack.tempDir)).toBe(false);
      expect(existsSync(file)).toBe(false);
    } finally {
      await stack.stop();
    }
  });
});
