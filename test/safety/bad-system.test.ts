// Malformed system declarations and compose files, through the CLI (`--config` at a project of the
// test's own): each exits 2 naming the file and the field, with nothing left running. The pure
// validation has many more cases (test/system/); these prove the CLI path end to end, including
// the failures only a boot can find: a readiness check that never answers, a port already in use,
// a program that is not installed.

import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { PROJECT_ROOT } from '../../harness/paths.ts';
import { leftoverProcesses } from '../helpers/processes.ts';

const scratch = vi.hoisted(() => {
  const dir = `${process.env.TMPDIR ?? '/tmp'}/faultline-bad-system-${process.pid}`;
  process.env.FAULTLINE_STATE_DIR = `${dir}/state`;
  return dir;
});
const { main } = await import('../../harness/cli.ts');
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const DEFINE_SYSTEM = join(PROJECT_ROOT, 'harness', 'system', 'define.ts');
const DEFINE = join(PROJECT_ROOT, 'harness', 'define.ts');
const CONFIG = join(PROJECT_ROOT, 'harness', 'config.ts');
type Raw = Record<string, any>; // malformed on purpose

/** A valid two-part system: Python's own web server in front of a Redis, on a port faultline picks. */
const validSystem = (): Raw => ({
  name: 'tiny',
  parts: {
    web: {
      kind: 'service',
      command: ['python3', '-m', 'http.server', '{{port}}', '--bind', '{{host}}'],
      port: 8000,
      env: { CACHE: '{{edge "web->cache"}}' },
      readiness: { http: '/' },
    },
    cache: { kind: 'redis' },
  },
  edges: ['web->cache'],
  entry: 'web',
  endpoints: { 'GET /': { path: '/' } },
  switches: { env: 'OFF', patterns: { cache: 'the cache' } },
});

const validScenario = {
  system: 'tiny',
  name: 'tiny-latency',
  description: 'the cache answers late',
  load: { rate: 5, duration: '4s', mix: { 'GET /': 1 } },
  faults: [{ at: '1s', for: '1s', fault: { kind: 'latency', params: { edge: 'web->cache', ms: 50 } } }],
  slos: [{ kind: 'availability', endpoint: 'GET /', min: 0.5 }],
  protectedBy: ['cache'],
};

let made = 0;
/** A project of its own: config, system.ts (or a compose file beside it) and one scenario; returns the config's path. */
function project(system: Raw | string, options: { compose?: string; scenario?: Raw } = {}): { config: string; dir: string } {
  const dir = join(scratch, `project-${String(++made).padStart(2, '0')}`);
  mkdirSync(join(dir, 'scenarios'), { recursive: true });
  writeFileSync(
    join(dir, 'faultline.config.ts'),
    `import { defineConfig } from '${CONFIG}';\nexport default defineConfig({ systems: ['system.ts'], scenarios: ['scenarios/*.ts'], reports: 'reports' });\n`,
  );
  const body = typeof system === 'string' ? system : JSON.stringify(system, null, 2);
  writeFileSync(join(dir, 'system.ts'), `import { defineSystem } from '${DEFINE_SYSTEM}';\nexport default defineSystem(${body});\n`);
  if (options.compose !== undefined) writeFileSync(join(dir, 'docker-compose.yml'), options.compose);
  const scenario = options.scenario ?? validScenario;
  writeFileSync(
    join(dir, 'scenarios', `${scenario.name}.ts`),
    `import { defineScenario } from '${DEFINE}';\nexport default defineScenario(${JSON.stringify(scenario, null, 2)});\n`,
  );
  return { config: join(dir, 'faultline.config.ts'), dir };
}
const broken = (mutate: (s: Raw) => void): Raw => {
  const s = validSystem();
  mutate(s);
  return s;
};
const composed = (extra: Raw = {}): Raw => ({ ...validSystem(), compose: 'docker-compose.yml', ...extra });
const COMPOSE_OK = `services:\n  web:\n    build: .\n    depends_on: [cache]\n  cache:\n    image: redis:7\n`;

async function run(config: string, env: Record<string, string> = {}): Promise<{ code: number; text: string }> {
  const lines: string[] = [];
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, { TMPDIR: scratch, ...env });
  try {
    const code = await main(['tiny-latency', '--config', config, '--runtime', 'local', '--seed', '1'], {
      out: (l) => lines.push(l),
      err: (l) => lines.push(l),
    });
    return { code, text: lines.join('\n') };
  } finally {
    for (const [k, v] of Object.entries({ TMPDIR: undefined, ...saved }))
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    if (saved.TMPDIR === undefined && process.env.TMPDIR === scratch) delete process.env.TMPDIR;
  }
}

/** No process and no ledger of the run; before a boot, no run folder either (a failed boot keeps its logs there). */
function expectNothingLeft(dir: string, booted = false): void {
  expect(leftoverProcesses(scratch, { markerOnly: true })).toEqual([]);
  const state = join(scratch, 'state');
  expect(existsSync(state) ? readdirSync(state) : []).toEqual([]);
  if (!booted) expect(existsSync(join(dir, 'reports')) ? readdirSync(join(dir, 'reports')) : []).toEqual([]);
}

/** [what is wrong, the project, the field path the message must name, what else it must say] */
const DECLARATION_CASES: [string, () => { config: string; dir: string }, string, string][] = [
  ['a service without a port', () => project(broken((s) => delete s.parts.web.port)), 'parts.web.port', 'must be the TCP port it listens on'],
  [
    'an unknown part kind',
    () => project(broken((s) => (s.parts.cache.kind = 'memcached'))),
    'parts.cache.kind',
    '"memcached" is not a part kind; kinds are: service, postgres, redis',
  ],
  ['an edge to nothing', () => project(broken((s) => s.edges.push('web->db'))), 'edges[1]', '"db" is not a part; parts are: web, cache'],
  [
    'a part named like a replica of another',
    () => project(broken((s) => ((s.parts.web.replicas = 2), (s.parts['web-2'] = { kind: 'redis' })))),
    'parts.web-2',
    'replica 2 of the part web',
  ],
  ['an entry that is a dependency', () => project(broken((s) => (s.entry = 'cache'))), 'entry', '"cache" is not a service part'],
  [
    'a path placeholder with no parameter',
    () => project(broken((s) => (s.endpoints = { 'GET /items/:id': { path: '/items/{id}' } }))),
    'endpoints["GET /items/:id"]',
    'uses {id}, but params has no id',
  ],
  [
    'a typo in a part field',
    () => project(broken((s) => ((s.parts.web.readyness = s.parts.web.readiness), delete s.parts.web.readiness))),
    'parts.web.readyness',
    'did you mean readiness?',
  ],
  [
    'a template naming an undeclared edge',
    () => project(broken((s) => (s.parts.web.env.DB = '{{edge "web->db"}}'))),
    'parts.web.env.DB',
    'names the edge "web->db", which is not declared',
  ],
  [
    'a readiness with two ways',
    () => project(broken((s) => (s.parts.web.readiness = { http: '/', tcp: true }))),
    'parts.web.readiness',
    'must say how to tell it is ready',
  ],
  [
    'a compose file with an unsupported key',
    () => project(composed(), { compose: COMPOSE_OK.replace('    build: .\n', '    build: .\n    network_mode: host\n') }),
    'services.web.network_mode',
    'not supported',
  ],
  [
    'a compose service with neither image nor build',
    () => project(composed(), { compose: `services:\n  web:\n    command: ["python3"]\n  cache:\n    image: redis:7\n` }),
    'services.web',
    'image',
  ],
  [
    'a compose depends_on naming no service',
    () => project(composed(), { compose: COMPOSE_OK.replace('[cache]', '[cahce]') }),
    'services.web.depends_on',
    'cahce',
  ],
  ['a compose file that is not YAML', () => project(composed(), { compose: 'services:\n  web:\n\tbuild: .\n' }), 'docker-compose.yml', 'line'],
  [
    'a part the compose file does not have',
    () => project(composed(), { compose: `services:\n  web:\n    build: .\n` }),
    'parts.cache',
    'is not a service of the compose file',
  ],
  ['a compose file that does not exist', () => project(composed()), 'docker-compose.yml', ''],
  [
    'a scenario check reading series the system does not declare',
    () => project(validSystem(), { scenario: { ...validScenario, cascade: [{ kind: 'retry-amplification', dependency: 'cache', max: 1.5 }] } }),
    'cascade[0]',
    'reads the series metrics.series.calls and metrics.series.requests, which system tiny does not declare',
  ],
];

describe('a malformed system, through the CLI', () => {
  it.each(DECLARATION_CASES)('%s: exit 2 before anything boots, naming file and field', async (_what, make, field, says) => {
    const { config, dir } = make();
    const { code, text } = await run(config);
    expect(code, text).toBe(2);
    expect(text).toMatch(/faultline: invalid (system|scenario):/);
    expect(text).toContain(field);
    expect(text).toContain(says);
    expect(text).toMatch(/system\.ts|docker-compose\.yml|tiny-latency\.ts/);
    expectNothingLeft(dir);
  });
});

describe('a system that only a boot can find broken', () => {
  it('a readiness check that never answers: exit 2 naming the part and its readiness, nothing left running', { timeout: 30_000 }, async () => {
    const { config, dir } = project(broken((s) => (s.parts.web.readiness = { http: '/never-here' })));
    const { code, text } = await run(config, { FAULTLINE_READY_TIMEOUT_MS: '1500' });
    expect(code, text).toBe(2);
    expect(text).toContain('system.ts: parts.web (readiness {"http":"/never-here"}): ');
    expect(text).toContain('GET /never-here answered 404');
    expectNothingLeft(dir, true);
  });

  it('a port already in use: exit 2 naming parts.<part>.port before anything starts', { timeout: 30_000 }, async () => {
    const taken: Server = createServer();
    await new Promise<void>((r) => taken.listen({ host: '127.0.0.1', port: 0 }, () => r()));
    const port = (taken.address() as { port: number }).port;
    try {
      const { config, dir } = project(
        broken((s) => ((s.parts.web.port = port), (s.parts.web.command = ['python3', '-m', 'http.server', String(port), '--bind', '127.0.0.1']))),
      );
      const { code, text } = await run(config);
      expect(code, text).toBe(2);
      expect(text).toContain(`system.ts: parts.web.port ${port} is in use on 127.0.0.1`);
      expectNothingLeft(dir);
    } finally {
      taken.close();
    }
  });

  it('a program that is not installed: exit 2 naming the part and the program', async () => {
    const { config, dir } = project(broken((s) => (s.parts.web.command = ['no-such-server-xyz', '{{port}}'])));
    const { code, text } = await run(config);
    expect(code, text).toBe(2);
    expect(text).toContain('tiny: part web runs no-such-server-xyz, which is not on PATH');
    expectNothingLeft(dir);
  });
});

describe("a valid two-part system of the test's own", () => {
  it('boots from its declaration on local; a fault on an edge the system never uses is inconclusive, never a pass', { timeout: 60_000 }, async () => {
    const { config } = project(validSystem());
    const { code, text } = await run(config);
    expect(text).toContain('fault landed: +50 ms latency on web->cache');
    // python's http.server never dials the cache: no traffic crossed the faulted edge, so nothing is proven
    expect(text).toMatch(/INCONCLUSIVE +tiny-latency/);
    expect(code, text).toBe(1);
    expect(leftoverProcesses(scratch, { markerOnly: true })).toEqual([]);
  });
});
