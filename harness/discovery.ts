// Discovery: finds and loads what a project declares: its systems and its scenarios (the config's globs),
// each validated at the edge. A scenario names its system; it is validated against that system.

import { glob } from 'node:fs/promises';
import { basename, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ResolvedConfig } from './config.ts';
import { HarnessError } from './paths.ts';
import { type Scenario, ScenarioError, validateScenario } from './scenario.ts';
import { loadCompose } from './system/compose.ts';
import type { System } from './system/system.ts';
import { SystemError, validateSystem } from './system/validate.ts';
import { loadTeamTypeScriptAsModules } from './team-modules.ts';

// a team's .ts files load as ES modules even in a "type": "commonjs" project
loadTeamTypeScriptAsModules();

export interface Catalog {
  config: ResolvedConfig;
  /** every system that loaded and validated, by name */
  systems: ReadonlyMap<string, System>;
  /** files that failed to load or validate, with the name they give (if any) and their problems (an error only when a scenario needs them) */
  brokenSystems: readonly { file: string; name?: string; problems: string[] }[];
  /** scenario name -> file */
  scenarioFiles: ReadonlyMap<string, string>;
}

/** How a file is named in messages: relative to the project root when inside it. */
export function shownPath(path: string, root: string): string {
  const inside = relative(root, path);
  return inside === '' || inside.startsWith('..') ? path : inside;
}

async function files(root: string, patterns: readonly string[]): Promise<string[]> {
  const found = new Set<string>();
  for (const pattern of patterns) for await (const file of glob(pattern, { cwd: root })) found.add(resolve(root, file));
  return [...found].filter((f) => f.endsWith('.ts') && !basename(f).startsWith('_')).sort();
}

/** Loads one system declaration (and the compose file it names); throws SystemError naming the file. */
export async function loadSystemFile(file: string, root: string): Promise<System> {
  const shown = shownPath(file, root);
  let raw: unknown;
  try {
    raw = ((await import(pathToFileURL(file).href)) as { default?: unknown }).default;
  } catch (error) {
    throw new SystemError([`${shown}: could not be loaded: ${(error as Error).message.split('\n')[0]}`]);
  }
  const composePath =
    typeof raw === 'object' && raw !== null && typeof (raw as { compose?: unknown }).compose === 'string'
      ? resolve(file, '..', (raw as { compose: string }).compose)
      : undefined;
  const compose = composePath === undefined ? undefined : await loadCompose(composePath, shownPath(composePath, root));
  return validateSystem(raw, file, shown, compose);
}

export async function openCatalog(config: ResolvedConfig): Promise<Catalog> {
  const systems = new Map<string, System>();
  const brokenSystems: { file: string; name?: string; problems: string[] }[] = [];
  for (const file of await files(config.root, config.systems)) {
    try {
      const system = await loadSystemFile(file, config.root);
      const twin = systems.get(system.name);
      if (twin !== undefined)
        throw new SystemError([
          `${shownPath(file, config.root)}: name "${system.name}" is taken by ${shownPath(twin.file, config.root)}: system names must be unique`,
        ]);
      systems.set(system.name, system);
    } catch (error) {
      if (!(error instanceof SystemError)) throw error;
      const named = ((await import(pathToFileURL(file).href).catch(() => ({}))) as { default?: { name?: unknown } }).default?.name;
      brokenSystems.push({ file, ...(typeof named === 'string' ? { name: named } : {}), problems: error.problems });
    }
  }
  const scenarioFiles = new Map<string, string>();
  for (const file of await files(config.root, config.scenarios)) {
    const name = basename(file, '.ts');
    const twin = scenarioFiles.get(name);
    if (twin !== undefined)
      throw new HarnessError(
        `two scenario files are named ${name}: ${shownPath(twin, config.root)} and ${shownPath(file, config.root)}; scenario names must be unique`,
      );
    scenarioFiles.set(name, file);
  }
  return { config, systems, brokenSystems, scenarioFiles };
}

/** The system a scenario names, or a ScenarioError naming the file, the field and the known systems. */
export function systemFor(catalog: Catalog, named: unknown, shown: string): System {
  const name = typeof named === 'object' && named !== null ? (named as { name?: unknown }).name : named;
  const system = typeof name === 'string' ? catalog.systems.get(name) : undefined;
  if (system !== undefined) return system;
  const broken = catalog.brokenSystems.find((b) => b.name === name || basename(resolve(b.file, '..')) === name);
  if (broken !== undefined) throw new ScenarioError([`${shown}: system ${JSON.stringify(name)} could not be loaded:`, ...broken.problems.map((p) => `  ${p}`)]);
  const known = [...catalog.systems.keys()].join(', ') || '(none found)';
  const also =
    catalog.brokenSystems.length > 0
      ? `; these declarations did not load: ${catalog.brokenSystems.map((b) => shownPath(b.file, catalog.config.root)).join(', ')}`
      : '';
  if (named === undefined)
    throw new ScenarioError([
      `${shown}: system is missing: name the system this scenario tests (system: '${[...catalog.systems.keys()][0] ?? 'shop'}'); systems are: ${known}${also}`,
    ]);
  throw new ScenarioError([`${shown}: system ${JSON.stringify(name)} is not a system; systems are: ${known}${also}`]);
}

/** Loads one scenario file; a syntax or shape error becomes a ScenarioError naming the file. */
export async function loadScenarioFile(path: string, catalog: Catalog): Promise<Scenario> {
  const shown = shownPath(path, catalog.config.root);
  let mod: { default?: unknown };
  try {
    mod = (await import(pathToFileURL(path).href)) as { default?: unknown };
  } catch (error) {
    throw new ScenarioError([`${shown}: could not be loaded: ${(error as Error).message.split('\n')[0]}`]);
  }
  const raw = mod.default;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new ScenarioError([`${shown}: the default export is not a scenario object (use export default defineScenario({...}))`]);
  const system = systemFor(catalog, typeof raw === 'object' && raw !== null ? (raw as { system?: unknown }).system : undefined, shown);
  const scenario = validateScenario(raw, shown, system);
  const expected = basename(path, '.ts');
  if (scenario.name !== expected) throw new ScenarioError([`${shown}: name "${scenario.name}" must match the file name "${expected}"`]);
  return { ...scenario, file: path };
}

/** Scenario names, optionally only those of one system. */
export async function scenarioNames(catalog: Catalog, system?: string): Promise<string[]> {
  const names = [...catalog.scenarioFiles.keys()].sort();
  if (system === undefined) return names;
  if (!catalog.systems.has(system))
    throw new HarnessError(`--system "${system}" is not a system; systems are: ${[...catalog.systems.keys()].join(', ') || '(none found)'}`);
  const own: string[] = [];
  for (const name of names) {
    const mod = (await import(pathToFileURL(catalog.scenarioFiles.get(name) as string).href).catch(() => ({}))) as { default?: { system?: unknown } };
    const named = mod.default?.system;
    if ((typeof named === 'object' && named !== null ? (named as { name?: unknown }).name : named) === system) own.push(name);
  }
  return own;
}

/** Resolves names (or paths to .ts files) to validated scenarios; unknown names list the known ones. */
export async function loadScenarios(names: readonly string[], catalog: Catalog): Promise<Scenario[]> {
  const known = [...catalog.scenarioFiles.keys()].sort();
  const unknown = names.filter((n) => !n.endsWith('.ts') && !catalog.scenarioFiles.has(n));
  if (unknown.length > 0)
    throw new HarnessError(
      `unknown scenario${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => `"${n}"`).join(', ')}; scenarios are: ${known.join(', ') || '(none found)'}`,
    );
  const scenarios: Scenario[] = [];
  const problems: string[] = [];
  for (const name of names) {
    const path = name.endsWith('.ts') ? resolve(process.cwd(), name) : (catalog.scenarioFiles.get(name) as string);
    try {
      scenarios.push(await loadScenarioFile(path, catalog));
    } catch (error) {
      if (error instanceof ScenarioError) problems.push(...error.problems);
      else throw error;
    }
  }
  if (problems.length > 0) throw new ScenarioError(problems);
  return scenarios;
}
