// Where a project keeps its systems and scenarios: a faultline.config.ts at the project root, found
// by convention the way vitest and Playwright find theirs. Without one, the defaults below hold.
//   export default defineConfig({ systems: ['system.ts'], scenarios: ['scenarios/*.ts'], reports: 'faultline-reports' });

import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { unknownFields } from './fields.ts';
import { HarnessError } from './paths.ts';
import { loadTeamTypeScriptAsModules } from './team-modules.ts';

// a team's .ts files load as ES modules even in a "type": "commonjs" project
loadTeamTypeScriptAsModules();

export interface FaultlineConfig {
  /** globs of system declaration files, relative to the config file */
  systems?: readonly string[];
  /** globs of scenario files, relative to the config file */
  scenarios?: readonly string[];
  /** where run folders go (default faultline-reports) */
  reports?: string;
}

export interface ResolvedConfig {
  /** the config file, or undefined when the defaults hold */
  file?: string;
  root: string;
  systems: readonly string[];
  scenarios: readonly string[];
  reportsDir: string;
}

export const CONFIG_FILE = 'faultline.config.ts';
export const DEFAULT_CONFIG: Required<FaultlineConfig> = { systems: ['system.ts', '*/system.ts'], scenarios: ['scenarios/*.ts'], reports: 'faultline-reports' };

export function defineConfig(config: FaultlineConfig): FaultlineConfig {
  return config;
}

/** The nearest faultline.config.ts at or above `from`, or undefined. */
export function findConfig(from = process.cwd()): string | undefined {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    if (existsSync(join(dir, CONFIG_FILE))) return join(dir, CONFIG_FILE);
    if (dirname(dir) === dir) return undefined;
  }
}

/** The config at `file` (a --config), or the nearest one at or above the working folder. */
export async function loadConfig(file = findConfig(process.cwd())): Promise<ResolvedConfig> {
  const from = process.cwd();
  if (file !== undefined && !existsSync(file)) throw new HarnessError(`--config ${file} does not exist`);
  if (file === undefined)
    return { root: resolve(from), systems: DEFAULT_CONFIG.systems, scenarios: DEFAULT_CONFIG.scenarios, reportsDir: resolve(from, DEFAULT_CONFIG.reports) };
  let raw: unknown;
  try {
    raw = ((await import(pathToFileURL(file).href)) as { default?: unknown }).default;
  } catch (error) {
    throw new HarnessError(`${file}: could not be loaded: ${(error as Error).message.split('\n')[0]}`);
  }
  const problems: string[] = [];
  if (typeof raw !== 'object' || raw === null) throw new HarnessError(`${file}: the default export is not a config (use export default defineConfig({...}))`);
  const config = raw as Record<string, unknown>;
  for (const p of unknownFields(config, ['systems', 'scenarios', 'reports'], 'the config')) problems.push(`${file}: ${p.field} ${p.text}`);
  for (const key of ['systems', 'scenarios'] as const)
    if (config[key] !== undefined && !(Array.isArray(config[key]) && (config[key] as unknown[]).every((g) => typeof g === 'string')))
      problems.push(`${file}: ${key} must be a list of file globs, like ['scenarios/*.ts']`);
  if (config.reports !== undefined && typeof config.reports !== 'string') problems.push(`${file}: reports must be a folder path`);
  if (problems.length > 0) throw new HarnessError(problems.join('\n'));
  const root = dirname(file);
  const c = config as FaultlineConfig;
  return {
    file,
    root,
    systems: c.systems ?? DEFAULT_CONFIG.systems,
    scenarios: c.scenarios ?? DEFAULT_CONFIG.scenarios,
    reportsDir: resolve(root, c.reports ?? DEFAULT_CONFIG.reports),
  };
}
