// Real Postgres 15 and redis-server for the sample-system tests: each a child of the test, on
// 127.0.0.1 and a free port, with its files in the caller's temp dir. Postgres refuses to run
// as root, so as root it runs as the `postgres` user.

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, chown, mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import pg from 'pg';

export const PG_BIN = '/usr/lib/postgresql/15/bin';
export const REDIS_SERVER = '/usr/bin/redis-server';

export interface Started {
  port: number;
  url: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** Why the real-infrastructure tests cannot run here, or undefined when they can. */
export function missingInfra(): string | undefined {
  if (!existsSync(join(PG_BIN, 'postgres'))) return `${join(PG_BIN, 'postgres')} is absent`;
  if (!existsSync(REDIS_SERVER)) return `${REDIS_SERVER} is absent`;
  return undefined;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function postgresUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('postgres:'));
  const [, , uid, gid] = line?.split(':') ?? [];
  if (uid === undefined || gid === undefined) throw new Error('running as root and there is no postgres user to run Postgres as');
  return { uid: Number(uid), gid: Number(gid) };
}

export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`);
}

/** Stops a child with `signal`, then SIGKILL after `graceMs`; resolves with its exit code. */
export function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM', graceMs = 5000): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', (code) => {
      clearTimeout(kill);
      resolve(code);
    });
    child.kill(signal);
  });
}

async function stopOnFailure(child: ChildProcess, signal: NodeJS.Signals, ready: Promise<void>): Promise<void> {
  try {
    await ready;
  } catch (error) {
    await stopChild(child, signal);
    throw error;
  }
}

export async function startPostgres(tempDir: string): Promise<Started> {
  const user = postgresUser();
  await chmod(tempDir, 0o711);
  const dataDir = join(tempDir, 'pgdata');
  await mkdir(dataDir, { mode: 0o700 });
  if (user) await chown(dataDir, user.uid, user.gid);
  const init = spawnSync(join(PG_BIN, 'initdb'), ['-D', dataDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync'], {
    ...(user ?? {}),
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C' },
  });
  if (init.status !== 0) throw new Error(`initdb failed (${init.status}): ${init.stderr}`);
  const port = await freePort();
  const child = spawn(
    join(PG_BIN, 'postgres'),
    [
      '-D',
      dataDir,
      '-p',
      String(port),
      '-k',
      dataDir,
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'fsync=off',
      '-c',
      'shared_buffers=32MB',
      '-c',
      'max_connections=100',
    ],
    { ...(user ?? {}), stdio: 'ignore' },
  );
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  await stopOnFailure(
    child,
    'SIGINT',
    waitFor(`postgres on ${port}`, async () => {
      const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
      client.on('error', () => undefined);
      try {
        await client.connect();
        await client.query('SELECT 1');
        return true;
      } finally {
        await client.end().catch(() => undefined);
      }
    }),
  );
  return { port, url, process: child, stop: async () => void (await stopChild(child, 'SIGINT')) };
}

export async function startRedis(tempDir: string): Promise<Started> {
  const dir = join(tempDir, 'redis');
  await mkdir(dir);
  const port = await freePort();
  const child = spawn(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
  const url = `redis://127.0.0.1:${port}`;
  await stopOnFailure(
    child,
    'SIGTERM',
    waitFor(`redis on ${port}`, async () => {
      const { connect } = await import('node:net');
      return new Promise<boolean>((resolve, reject) => {
        const s = connect({ host: '127.0.0.1', port }, () => s.write('PING\r\n'));
        s.once('data', (d) => {
          s.destroy();
          resolve(d.toString().startsWith('+PONG'));
        });
        s.once('error', reject);
      });
    }),
  );
  return { port, url, process: child, stop: async () => void (await stopChild(child, 'SIGTERM')) };
}

/**
 * Postgres and Redis in `tempDir`, started at once. Each that started is handed to `keep` before
 * any failure is thrown, so the caller's afterAll stops it even when the other did not start.
 */
export async function startPostgresAndRedis(
  tempDir: string,
  keep: (started: { postgres?: Started; redis?: Started }) => void,
): Promise<{ postgres: Started; redis: Started }> {
  const [pgStart, redisStart] = await Promise.allSettled([startPostgres(tempDir), startRedis(tempDir)]);
  keep({
    ...(pgStart.status === 'fulfilled' ? { postgres: pgStart.value } : {}),
    ...(redisStart.status === 'fulfilled' ? { redis: redisStart.value } : {}),
  });
  if (pgStart.status === 'rejected') throw pgStart.reason;
  if (redisStart.status === 'rejected') throw redisStart.reason;
  return { postgres: pgStart.value, redis: redisStart.value };
}
