// Postgres for the local runtime: a fresh cluster (initdb, or a copy of the pristine one an earlier
// initdb left in the tool cache) in this stack's temp dir, started as
// a child we own (not `pg_ctl start`, which daemonizes), on 127.0.0.1 and a free port, with the
// faultline role and database. Run as the `postgres` user when we are root: Postgres refuses root.

import { createHash, randomBytes } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { appendFile, chown, mkdir, rename, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { execa } from 'execa';
import pg from 'pg';
import { HarnessError } from '../paths.ts';
import { cacheRoot } from '../tools.ts';
import { userIds } from './binaries.ts';
import { LOOPBACK, withFreePort } from './ports.ts';
import { type ProcessSpec, type RunningProcess, spawnLogged, waitUntil } from './processes.ts';
import { type PartContext, startFailure } from './supervisor.ts';

export const PG_USER = 'faultline';
export const PG_DATABASE = 'faultline';
const SUPERUSER = 'postgres';

export interface StartedPostgres {
  process: RunningProcess;
  port: number;
  dataDir: string;
  /** how it was started: a restart (a kill fault's removal) runs it again on the same port and data */
  spec: ProcessSpec;
}

function runAsUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const user = userIds('postgres') ?? userIds('nobody');
  if (!user) throw new HarnessError('postgres cannot run as root and there is no `postgres` (or `nobody`) user; run `npm run setup`');
  return user;
}

/**
 * Throws a HarnessError when Postgres, run as another user (we are root), could not reach a data
 * dir under `parent`: every folder on the way must let others (or that user) through. Checked
 * before anything starts, so a TMPDIR made with mode 0700 is a clear error, not an initdb failure.
 */
export function checkPostgresCanReach(parent: string): void {
  const user = runAsUser();
  if (user === undefined) return;
  for (let dir = resolve(parent); ; dir = dirname(dir)) {
    const { mode, uid } = statSync(dir);
    const passable = (mode & 0o001) !== 0 || (uid === user.uid && (mode & 0o100) !== 0);
    if (!passable)
      throw new HarnessError(
        `postgres runs as uid ${user.uid} (we are root) and cannot reach its data dir under ${parent}: ${dir} has mode ${(mode & 0o777).toString(8).padStart(4, '0')}; set TMPDIR to a folder others may pass through (chmod o+x ${dir})`,
      );
    if (dir === dirname(dir)) return;
  }
}

const INITDB_ARGS = ['-U', SUPERUSER, '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync', '--no-instructions'];

/**
 * Where a pristine cluster made by this initdb, for this user, with these arguments is kept: the
 * next stack copies it (0.1 s) instead of running initdb again (0.6 s on these machines, each
 * scenario of --all boots its own stack). Nothing in it is ever started.
 */
function templateDir(pgBin: string, user: ProcessSpec['user']): string {
  const key = createHash('sha256')
    .update(JSON.stringify([pgBin, user?.uid ?? process.getuid?.(), INITDB_ARGS]))
    .digest('hex')
    .slice(0, 16);
  return join(cacheRoot(), 'postgres-template', key);
}

/** Copies a folder's contents, owners and modes kept (cp -a). */
const copyTree = async (from: string, to: string): Promise<void> => void (await execa('cp', ['-a', `${from}/.`, `${to}/`]));

/** A fresh cluster in dataDir (which exists, empty, owned by `user`): the template's copy, else initdb (which then leaves one). */
async function freshCluster(ctx: PartContext, pgBin: string, dataDir: string, user: ProcessSpec['user'], name: string): Promise<void> {
  const template = templateDir(pgBin, user);
  const log = join(ctx.logsDir, `${name}.log`);
  if (existsSync(join(template, 'PG_VERSION'))) {
    try {
      await copyTree(template, dataDir);
      await appendFile(log, `--- ${new Date().toISOString()} cluster copied from ${template} (made there by initdb ${INITDB_ARGS.join(' ')})\n`);
      return;
    } catch {
      await rm(dataDir, { recursive: true, force: true });
      await mkdir(dataDir, { mode: 0o700 });
      if (user) await chown(dataDir, user.uid, user.gid);
    }
  }
  await initdb(ctx, pgBin, dataDir, user, name);
  // keep the pristine cluster for the next stack: best effort, and atomic (a half copy is never seen)
  const scratch = `${template}.tmp-${process.pid}-${randomBytes(3).toString('hex')}`;
  try {
    await mkdir(scratch, { recursive: true, mode: 0o700 });
    if (user) await chown(scratch, user.uid, user.gid);
    await copyTree(dataDir, scratch);
    await rename(scratch, template);
  } catch {
    await rm(scratch, { recursive: true, force: true }).catch(() => undefined);
  }
}

async function initdb(ctx: PartContext, pgBin: string, dataDir: string, user: ProcessSpec['user'], name: string): Promise<void> {
  const spec: ProcessSpec = {
    name: 'initdb',
    argv: [join(pgBin, 'initdb'), '-D', dataDir, ...INITDB_ARGS],
    env: ctx.baseEnv,
    logFile: join(ctx.logsDir, `${name}.log`),
    ...(user ? { user } : {}),
  };
  try {
    const exit = await (await spawnLogged(spec)).exited;
    if (exit.code !== 0) throw new Error(`initdb exited with ${exit.signal ?? `code ${exit.code}`}`);
  } catch (error) {
    throw await startFailure(`${name} (initdb)`, spec, error);
  }
}

/** One connection and `SELECT 1` as the superuser: true once Postgres accepts work. */
export async function postgresAccepts(port: number): Promise<boolean> {
  const client = new pg.Client({ host: LOOPBACK, port, user: SUPERUSER, database: 'postgres', connectionTimeoutMillis: 1000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function createRoleAndDatabase(port: number): Promise<void> {
  const client = new pg.Client({ host: LOOPBACK, port, user: SUPERUSER, database: 'postgres', connectionTimeoutMillis: 5000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query(`CREATE ROLE ${PG_USER} LOGIN CREATEDB`);
    await client.query(`CREATE DATABASE ${PG_DATABASE} OWNER ${PG_USER}`);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Starts the part `name` (a system's postgres part; its log is logs/<name>.log). */
export async function startPostgres(ctx: PartContext, pgBin: string, name = 'postgres'): Promise<StartedPostgres> {
  const user = runAsUser();
  const dataDir = join(ctx.tempDir, `pgdata-${name}`);
  await mkdir(dataDir, { mode: 0o700 });
  if (user) await chown(dataDir, user.uid, user.gid);
  await freshCluster(ctx, pgBin, dataDir, user, name);

  return withFreePort(async (port) => {
    const spec: ProcessSpec = {
      name,
      argv: [
        join(pgBin, 'postgres'),
        '-D',
        dataDir,
        '-p',
        String(port),
        '-k',
        dataDir,
        '-c',
        `listen_addresses=${LOOPBACK}`,
        '-c',
        'fsync=off',
        '-c',
        'shared_buffers=32MB',
      ],
      env: ctx.baseEnv,
      logFile: join(ctx.logsDir, `${name}.log`),
      // SIGTERM is Postgres' "smart" shutdown, which waits for clients; SIGINT is "fast".
      stopSignal: 'SIGINT',
      ...(user ? { user } : {}),
    };
    let child: RunningProcess | undefined;
    try {
      child = await ctx.supervisor.launch(spec);
      await waitUntil(() => postgresAccepts(port), {
        what: `a connection to 127.0.0.1:${port} as ${SUPERUSER}`,
        timeoutMs: ctx.readyTimeoutMs,
        process: child,
      });
      await createRoleAndDatabase(port);
      return { process: child, port, dataDir, spec };
    } catch (error) {
      if (child) await ctx.supervisor.stopOne(child);
      throw await startFailure(name, spec, error);
    }
  });
}
