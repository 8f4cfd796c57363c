// `npm run init -- --from docker-compose.yml [--dir <folder>]`: writes a starter system declaration
// (system.ts) and one commented starter scenario from a team's compose file, beside it. Parts come
// from the compose services (an image named postgres or redis becomes that built-in kind), edges
// from depends_on and from addresses in the environment, ports from ports/expose (or the image's
// well-known port). It never overwrites a file: one that exists is left as it is, and said.

import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { CONFIG_FILE, findConfig } from './config.ts';
import { InputProblems } from './fields.ts';
import { HarnessError, INSTALLED, PACKAGE_ROOT } from './paths.ts';
import { type ComposeService, type ComposeSystem, composeEdges, composePorts, loadCompose } from './system/compose.ts';

/** What a compose service becomes: a built-in kind when its image is Postgres or Redis, else a service. */
export function kindOf(service: ComposeService): 'postgres' | 'redis' | 'service' {
  const image = (service.image ?? '').replace(/^.*\//, '').replace(/[:@].*$/, '');
  if (image === 'postgres' || image === 'postgresql') return 'postgres';
  if (image === 'redis') return 'redis';
  return 'service';
}

const quote = (text: string): string => `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
/** An object key as a person writes it: bare when it can be. */
const key = (name: string): string => (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) ? name : quote(name));

/** The starter declaration's text: a system named after the folder, its parts and edges, one endpoint to fill in. */
export function starterSystem(compose: ComposeSystem, name: string, defineImport: string): string {
  const edges = composeEdges(compose);
  const services = Object.values(compose.services);
  const called = new Set(edges.map((e) => e.split('->')[1]));
  // the entry: a service nothing calls (the first such), else the first service
  const entry = services.find((s) => kindOf(s) === 'service' && !called.has(s.name)) ?? services.find((s) => kindOf(s) === 'service');
  const parts = services.map((s) => {
    const kind = kindOf(s);
    if (kind !== 'service') return `    ${key(s.name)}: { kind: '${kind}' },`;
    const port = composePorts(s) ?? 8080;
    const readiness =
      s.healthcheck === undefined
        ? `{ tcp: true } /* or { http: '/health' } */`
        : `{ tcp: true } /* docker uses the compose healthcheck; say how the local runtime tells it is ready */`;
    const env = edges
      .filter((e) => e.startsWith(`${s.name}->`))
      .map((e) => {
        const callee = e.slice(e.indexOf('->') + 2);
        return `        // ${callee.toUpperCase().replace(/-/g, '_')}_ADDR: '{{edge "${e}"}}',   // for the local runtime: where this part dials ${callee}`;
      })
      .join('\n');
    return [
      `    ${key(s.name)}: {`,
      `      kind: 'service',`,
      `      // how the local runtime starts it, in this folder; docker builds or runs it from the compose file`,
      `      command: ${s.command ? `[${s.command.map(quote).join(', ')}]` : `['TODO', 'the command that starts ${s.name}']`},`,
      `      port: ${port},`,
      `      env: {`,
      `        PORT: '{{port}}',`,
      ...(env ? [env] : []),
      `      },`,
      `      readiness: ${readiness},`,
      `    },`,
    ].join('\n');
  });
  return `// ${name}, declared for faultline: written by \`faultline init --from ${basename(compose.file)}\`; fill in the TODOs.
// On docker faultline boots the parts from the compose file and puts Toxiproxy in front of every
// edge below, transparently: your code keeps dialing the names it dials today.
import { defineSystem } from ${quote(defineImport)};

export default defineSystem({
  name: ${quote(name)},
  compose: ${quote(basename(compose.file))},
  parts: {
${parts.join('\n')}
  },
  // caller->callee, each its own Toxiproxy proxy (from depends_on and the addresses in the environment)
  edges: [${edges.map(quote).join(', ')}],
  entry: ${quote(entry?.name ?? 'TODO')},
  // what the load sends: 'METHOD /path' -> its path, with {param} placeholders drawn per request
  endpoints: {
    'GET /': { path: '/' },
  },
  // the patterns a scenario may switch off to prove it tests something: how your system turns each off
  switches: { env: 'RESILIENCE_OFF', patterns: { timeout: 'TODO: what the timeout protects, and how RESILIENCE_OFF=timeout turns it off' } },
});
`;
}

/** The starter scenario: a latency fault on the first edge, SLOs on the one endpoint, commented. */
export function starterScenario(system: string, edge: string | undefined, defineImport: string): string {
  return `import { defineScenario, faults, slo } from ${quote(defineImport)};

// Injects: 300 ms on every answer across ${edge ?? 'an edge'}, for 10 s of a 30 s run at 20 req/s.
// Asserts: GET / keeps >= 99% answered (ok or degraded) and p99 <= 500 ms in every phase.
// Why: TODO: say what protects this path when the dependency is slow, and name it in protectedBy.
export default defineScenario({
  system: ${quote(system)},
  name: ${quote(`${system}-latency`)},
  description: 'TODO: one sentence a teammate understands',
  load: { rate: 20, duration: '30s', mix: { 'GET /': 1 } },
  faults: [{ at: '8s', for: '10s', fault: faults.latency({ edge: ${quote(edge ?? 'TODO->TODO')}, ms: 300 }) }],
  slos: [slo.availability({ endpoint: 'GET /', min: 0.99 }), slo.latency({ endpoint: 'GET /', p: 99, maxMs: 500 })],
  protectedBy: ['timeout'],
});
`;
}

/** Writes `file` unless it exists; says which. */
async function writeOnce(file: string, text: string): Promise<string> {
  if (existsSync(file)) return `left ${file} as it is (it exists)`;
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, text);
  return `wrote ${file}`;
}

/** What the starter files import faultline from: the package where it is installed, else the repository's files. */
export function importPaths(dir: string): { system: string; scenario: string; config: string } {
  if (INSTALLED) return { system: 'faultline', scenario: 'faultline', config: 'faultline' };
  /** an import path from `folder` to one of faultline's files */
  const from = (folder: string, target: string): string => {
    const rel = relative(folder, target);
    return rel.startsWith('.') ? rel : `./${rel}`;
  };
  return {
    system: from(dir, join(PACKAGE_ROOT, 'harness', 'system', 'define.ts')),
    scenario: from(join(dir, 'scenarios'), join(PACKAGE_ROOT, 'harness', 'define.ts')),
    config: from(process.cwd(), join(PACKAGE_ROOT, 'harness', 'config.ts')),
  };
}

/** The starter faultline.config.ts: the declaration and scenarios init wrote, reports in faultline-reports/. */
export function starterConfig(systemFile: string, scenariosGlob: string, defineImport: string): string {
  return `// Where faultline finds this project's systems and scenarios (globs relative to this file).
import { defineConfig } from ${quote(defineImport)};

export default defineConfig({
  systems: [${quote(systemFile)}],
  scenarios: [${quote(scenariosGlob)}],
  reports: 'faultline-reports',
});
`;
}

export async function init(argv: string[], say: (line: string) => void): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { from: { type: 'string' }, dir: { type: 'string' } } });
  if (values.from === undefined) throw new HarnessError('init needs --from <docker-compose.yml>: the compose file to start from');
  const composeFile = resolve(values.from);
  const dir = resolve(values.dir ?? dirname(composeFile));
  const compose = await loadCompose(composeFile, relative(process.cwd(), composeFile) || composeFile);
  const name =
    basename(dir)
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^[^a-z]+/, '') || 'system';
  const imports = importPaths(dir);
  say(await writeOnce(join(dir, 'system.ts'), starterSystem(compose, name, imports.system)));
  const scenarios = join(dir, 'scenarios');
  say(await writeOnce(join(scenarios, `${name}-latency.ts`), starterScenario(name, composeEdges(compose)[0], imports.scenario)));
  // a project with no config yet gets one here, naming what init wrote (one above is left to its owner)
  const config = findConfig(process.cwd());
  const rel = (path: string): string => relative(process.cwd(), path) || '.';
  if (config === undefined)
    say(await writeOnce(join(process.cwd(), CONFIG_FILE), starterConfig(rel(join(dir, 'system.ts')), `${rel(scenarios)}/*.ts`, imports.config)));
  else say(`${rel(config)} exists: add ${rel(join(dir, 'system.ts'))} and ${rel(scenarios)}/*.ts to it`);
  say(`next: fill in the TODOs, then ${INSTALLED ? 'npx faultline run' : 'npm run chaos --'} ${name}-latency`);
}

/** `faultline init ...`: exit 0 when done, 2 on bad input (nothing written). */
export async function initCommand(argv: string[], io: { out(line: string): void; err(line: string): void }): Promise<number> {
  try {
    await init(argv, (line) => io.out(`init: ${line}`));
    return 0;
  } catch (error) {
    const problems = error instanceof InputProblems ? error.problems.join('\n  ') : (error as Error).message;
    io.err(`faultline init: ${problems}`);
    return 2;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  initCommand(process.argv.slice(2), { out: (l) => process.stdout.write(`${l}\n`), err: (l) => process.stderr.write(`${l}\n`) }).then((code) =>
    process.exit(code),
  );
}
