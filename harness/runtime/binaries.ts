// Where the local runtime finds the programs it starts, and their versions for result.json.
// A missing program is a HarnessError that says where we looked and what installs it.

import { accessSync, constants, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, dirname, join } from 'node:path';
import { execa } from 'execa';
import { HarnessError, PROJECT_ROOT, SETUP_COMMAND } from '../paths.ts';
import { toolPath } from '../tools.ts';

export interface Binaries {
  /** folder with postgres and initdb (when the system has a postgres part) */
  pgBin?: string;
  /** when the system has a redis part */
  redisServer?: string;
  toxiproxyServer: string;
  /** Node >= 24 for services whose command names {{node}} (TypeScript run by type stripping) */
  node?: string;
}

export const PREFERRED_PG_MAJOR = 15;

const isExecutable = (path: string): boolean => {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

function findPgBin(): string {
  const root = '/usr/lib/postgresql';
  let majors: number[] = [];
  try {
    majors = readdirSync(root).map(Number).filter(Number.isInteger);
  } catch {
    // no Debian-style postgres install
  }
  majors.sort((a, b) => (a === PREFERRED_PG_MAJOR ? -1 : b === PREFERRED_PG_MAJOR ? 1 : b - a));
  for (const major of majors) {
    const dir = join(root, String(major), 'bin');
    if (isExecutable(join(dir, 'postgres')) && isExecutable(join(dir, 'initdb'))) return dir;
  }
  const onPath = which('postgres');
  if (onPath && isExecutable(join(onPath, '..', 'initdb'))) return join(onPath, '..');
  throw new HarnessError(
    `postgres is missing: looked in ${root}/${PREFERRED_PG_MAJOR}/bin and on PATH; run \`npm run setup\` (installs the Debian package postgresql)`,
  );
}

export function which(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];
  return dirs
    .filter((d) => d.startsWith('/'))
    .map((d) => join(d, name))
    .find(isExecutable);
}

/**
 * The Node 24 faultline brings (the `node` package it depends on), found from this module the way
 * an import would find it: in the repository's node_modules, or in the installing project's.
 */
export function broughtNode(): string | undefined {
  try {
    const bin = join(dirname(createRequire(import.meta.url).resolve('node/package.json')), 'bin', 'node');
    return isExecutable(bin) ? bin : undefined;
  } catch {
    return undefined;
  }
}

/** A Node >= 24 for the services faultline runs with `{{node}}`: this one, else the one it brings. */
export function findNode(): string {
  if (Number(process.versions.node.split('.')[0]) >= 24) return process.execPath;
  const brought = broughtNode() ?? join(PROJECT_ROOT, 'node_modules', '.bin', 'node');
  if (isExecutable(brought)) return realpathSync(brought);
  throw new HarnessError(
    `Node >= 24 is needed to run the services (found ${process.version} at ${process.execPath}, and no ${brought}); run \`${SETUP_COMMAND}\``,
  );
}

/** The programs a system needs (Toxiproxy always; the others when it has such parts). */
export function findBinaries(needs: { postgres: boolean; redis: boolean; node: boolean } = { postgres: true, redis: true, node: true }): Binaries {
  const redisServer = needs.redis ? which('redis-server') : undefined;
  if (needs.redis && !redisServer)
    throw new HarnessError('redis-server is missing: not found on PATH; run `npm run setup` (installs the Debian package redis-server)');
  return {
    toxiproxyServer: toolPath('toxiproxy-server'),
    ...(needs.postgres ? { pgBin: findPgBin() } : {}),
    ...(redisServer ? { redisServer } : {}),
    ...(needs.node ? { node: findNode() } : {}),
  };
}

async function firstLine(file: string, args: string[]): Promise<string> {
  const result = await execa(file, args, { timeout: 5000, reject: false });
  return result.failed ? 'unknown' : (result.stdout.split('\n')[0] ?? '').trim();
}

/** Versions of the programs a stack runs, e.g. { postgres: '15.18', 'redis-server': '7.0.15', ... }. */
export async function versionsOf(b: Binaries): Promise<Record<string, string>> {
  const [postgres, redis, toxiproxy, node] = await Promise.all([
    b.pgBin === undefined ? undefined : firstLine(join(b.pgBin, 'postgres'), ['--version']),
    b.redisServer === undefined ? undefined : firstLine(b.redisServer, ['--version']),
    firstLine(b.toxiproxyServer, ['-version']),
    b.node === undefined ? undefined : b.node === process.execPath ? Promise.resolve(process.version) : firstLine(b.node, ['--version']),
  ]);
  return {
    ...(postgres === undefined ? {} : { postgres: /\) (\S+)/.exec(postgres)?.[1] ?? postgres }),
    ...(redis === undefined ? {} : { 'redis-server': /v=(\S+)/.exec(redis)?.[1] ?? redis }),
    toxiproxy: /version (\S+)/.exec(toxiproxy)?.[1] ?? toxiproxy,
    ...(node === undefined ? {} : { node: node.replace(/^v/, '') }),
  };
}

/** uid and gid of a local user from /etc/passwd, or undefined when there is no such user. */
export function userIds(name: string): { uid: number; gid: number } | undefined {
  try {
    for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const [user, , uid, gid] = line.split(':');
      if (user === name && uid !== undefined && gid !== undefined) return { uid: Number(uid), gid: Number(gid) };
    }
  } catch {
    // no /etc/passwd
  }
  return undefined;
}
