// Finds and loads scenario files (scenarios/*.ts), validating each at the edge.

import { readdir } from 'node:fs/promises';
import { basename, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PROJECT_ROOT, SCENARIOS_DIR, HarnessError } from './paths.ts';
import { validateScenario, ScenarioError, type Scenario } from './scenario.ts';

export async function scenarioNames(dir = SCENARIOS_DIR): Promise<string[]> {
  const files = await readdir(dir).catch(() => [] as string[]);
  return files.filter((f) => f.endsWith('.ts') && !f.startsWith('_')).map((f) => basename(f, '.ts')).sort();
}

/** Loads one scenario file; a syntax or shape error becomes a ScenarioError naming the file. */
export async function loadScenarioFile(path: string): Promise<Scenario> {
  const inside = relative(PROJECT_ROOT, path);
  const shown = inside === '' || inside.startsWith('..') ? path : inside;
  let mod: { default?: unknown };
  try {
    mod = (await import(pathToFileURL(path).href)) as { default?: unknown };
  } catch (error) {
    throw new ScenarioError([`${shown}: could not be loaded: ${(error as Error).message.split('\n')[0]}`]);
  }
  const scenario = validateScenario(mod.default, shown);
  const expected = basename(path, '.ts');
  if (scenario.name !== expected) throw new ScenarioError([`${shown}: name "${scenario.name}" must match the file name "${expected}"`]);
  return { ...scenario, file: path };
}

/** Resolves names (or paths to .ts files) to validated scenarios; unknown names list the known ones. */
export async function loadScenarios(names: readonly string[], dir = SCENARIOS_DIR): Promise<Scenario[]> {
  const known = await scenarioNames(dir);
  const unknown = names.filter((n) => !n.endsWith('.ts') && !known.includes(n));
  if (unknown.length > 0)
    throw new HarnessError(`unknown scenario${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => `"${n}"`).join(', ')}; scenarios are: ${known.join(', ') || '(none found in scenarios/)'}`);
  const scenarios: Scenario[] = [];
  const problems: string[] = [];
  for (const name of names) {
    const path = name.endsWith('.ts') ? resolve(process.cwd(), name) : join(dir, `${name}.ts`);
    try {
      scenarios.push(await loadScenarioFile(path));
    } catch (error) {
      if (error instanceof ScenarioError) problems.push(...error.problems);
      else throw error;
    }
  }
  if (problems.length > 0) throw new ScenarioError(problems);
  return scenarios;
}
