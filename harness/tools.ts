// The tools the set-up builds (Toxiproxy with faultline's toxics, xk6, k6) live in a per-user cache
// shared by every project on the machine, the way `npx playwright install` keeps its browsers:
//   $FAULTLINE_CACHE_DIR, else $XDG_CACHE_HOME/faultline, else ~/.cache/faultline
// Each tool's folder is named by a content key (its pinned versions and a hash of the sources
// faultline builds into it), so a second project with the same faultline finds it built, and a
// changed source builds into a new folder instead of replacing one another project still uses.
// FAULTLINE_TOOLS_DIR points the harness at one folder holding the binaries instead (tests use it).

import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { HarnessError, PACKAGE_ROOT, SETUP_COMMAND } from './paths.ts';

export type ToolName = 'k6' | 'toxiproxy-server';

export const TOOLS_SOURCE_DIR = join(PACKAGE_ROOT, 'tools');
/** the Go module of faultline's Toxiproxy server */
export const TOXIPROXY_MODULE = join(TOOLS_SOURCE_DIR, 'toxiproxy');
/** xk6 extensions built into k6, by Go module path -> folder under tools/ */
export const K6_EXTENSIONS: Readonly<Record<string, string>> = { 'github.com/faultline/xk6-faultline': 'xk6-faultline' };

export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.FAULTLINE_CACHE_DIR) return resolve(env.FAULTLINE_CACHE_DIR);
  const base = env.XDG_CACHE_HOME ? resolve(env.XDG_CACHE_HOME) : join(env.HOME ?? homedir(), '.cache');
  return join(base, 'faultline');
}

/** `KEY=value` lines of tools/versions.env (comments and blank lines skipped). */
export function readVersions(file = join(TOOLS_SOURCE_DIR, 'versions.env')): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^\s*([A-Z0-9_]+)=(\S*)\s*$/.exec(line);
    if (m?.[1] !== undefined) out[m[1]] = m[2] ?? '';
  }
  return out;
}

/** A short hash of the Go sources under `dir` (names and bytes of *.go, go.mod, go.sum, in name order). */
export function sourceHash(dir: string): string {
  const files: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.go') || name === 'go.mod' || name === 'go.sum') files.push(path);
    }
  };
  walk(dir);
  const hash = createHash('sha256');
  for (const file of files.map((f) => relative(dir, f)).sort())
    hash
      .update(`${file}\0`)
      .update(readFileSync(join(dir, file)))
      .update('\0');
  return hash.digest('hex').slice(0, 16);
}

/** The Shopify/toxiproxy version tools/toxiproxy/go.mod pins. */
export function toxiproxyVersion(): string {
  const m = /^\s*github\.com\/Shopify\/toxiproxy\/v2\s+(\S+)/m.exec(readFileSync(join(TOXIPROXY_MODULE, 'go.mod'), 'utf8'));
  if (m?.[1] === undefined) throw new HarnessError(`${TOXIPROXY_MODULE}/go.mod has no github.com/Shopify/toxiproxy/v2 requirement`);
  return m[1];
}

export interface ToolPlan {
  cache: string;
  /** folder of each tool, named by its content key */
  toxiproxy: string;
  xk6: string;
  k6: string;
  logs: string;
  /** `module=folder` of every xk6 extension built into k6 */
  extensions: string[];
  versions: { xk6: string; k6: string; toxiproxy: string };
}

/** Each tool's folder name under the cache: its pins and the hashes of this copy's sources. */
interface ToolKeys {
  toxiproxy: string;
  xk6: string;
  k6: string;
  versions: ToolPlan['versions'];
}

let keys: ToolKeys | undefined;

/** Read and hashed once per process: this copy's sources do not change while it runs. */
function toolKeys(): ToolKeys {
  if (keys !== undefined) return keys;
  const v = readVersions();
  const xk6 = v.XK6_VERSION ?? '';
  const k6 = v.K6_VERSION ?? '';
  if (!xk6 || !k6) throw new HarnessError(`${join(TOOLS_SOURCE_DIR, 'versions.env')} must set XK6_VERSION and K6_VERSION`);
  const toxiproxy = toxiproxyVersion();
  const extensions = Object.entries(K6_EXTENSIONS)
    .map(([module, dir]) => `${module}@${sourceHash(join(TOOLS_SOURCE_DIR, dir))}`)
    .sort();
  const k6Key = extensions.length === 0 ? 'none' : createHash('sha256').update(extensions.join('\n')).digest('hex').slice(0, 16);
  keys = {
    toxiproxy: `${toxiproxy}-${sourceHash(TOXIPROXY_MODULE)}`,
    xk6,
    k6: `${k6}-xk6-${xk6}-ext-${k6Key}`,
    versions: { xk6, k6, toxiproxy },
  };
  return keys;
}

/** Where each tool is (or will be built), from the versions and sources of this copy of faultline. */
export function toolPlan(env: NodeJS.ProcessEnv = process.env): ToolPlan {
  const cache = cacheRoot(env);
  const { toxiproxy, xk6, k6, versions } = toolKeys();
  return {
    cache,
    toxiproxy: join(cache, 'toxiproxy', toxiproxy),
    xk6: join(cache, 'xk6', xk6),
    k6: join(cache, 'k6', k6),
    logs: join(cache, 'logs'),
    extensions: Object.entries(K6_EXTENSIONS).map(([module, dir]) => `${module}=${join(TOOLS_SOURCE_DIR, dir)}`),
    versions,
  };
}

/** The folder a tool is in: FAULTLINE_TOOLS_DIR when set, else its content-keyed cache folder. */
export function toolDir(name: ToolName | 'xk6', env: NodeJS.ProcessEnv = process.env): string {
  if (env.FAULTLINE_TOOLS_DIR) return resolve(env.FAULTLINE_TOOLS_DIR);
  const plan = toolPlan(env);
  return name === 'toxiproxy-server' ? plan.toxiproxy : name === 'k6' ? plan.k6 : plan.xk6;
}

/** Absolute path of a tool the set-up builds; a HarnessError naming where it looked when missing. */
export function toolPath(name: ToolName, env: NodeJS.ProcessEnv = process.env): string {
  const path = join(toolDir(name, env), name);
  const moved = env.FAULTLINE_TOOLS_DIR ? ` (FAULTLINE_TOOLS_DIR=${env.FAULTLINE_TOOLS_DIR})` : '';
  if (!existsSync(path)) throw new HarnessError(`${name} is missing: looked for ${path}${moved}; run \`${SETUP_COMMAND}\` to build it`);
  return path;
}

/** The plan as the variables scripts/setup.sh reads. */
export function planEnv(plan: ToolPlan): Record<string, string> {
  return {
    FAULTLINE_CACHE: plan.cache,
    TOXIPROXY_DIR: plan.toxiproxy,
    XK6_DIR: plan.xk6,
    K6_DIR: plan.k6,
    TOOLS_LOGS: plan.logs,
    K6_EXTENSIONS: plan.extensions.join(' '),
  };
}

/** The plan as shell assignments, for scripts/setup.sh (`eval "$(node harness/tools.ts)"`). */
export function planAsShell(plan: ToolPlan): string {
  const q = (s: string): string => `'${s.replace(/'/g, "'\\''")}'`;
  return Object.entries(planEnv(plan))
    .map(([name, value]) => `${name}=${q(value)}`)
    .join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) process.stdout.write(`${planAsShell(toolPlan())}\n`);
