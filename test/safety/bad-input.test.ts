// Bad input gets exit 2 before anything boots, with a message naming the file, the field, the
// value and what is allowed. Table-driven: malformed scenario files (each written to disk and
// loaded as the CLI loads it) and bad flags, most through main() in-process for speed, a handful
// through the real CLI process. After each: nothing was started (no process, no ledger, no run
// folder).

import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { PROJECT_ROOT } from '../../harness/paths.ts';
import { edgeNames } from '../../harness/system/system.ts';
import { PATTERNS } from '../../sample-system/resilience/patterns.ts';
import { leftoverProcesses } from '../helpers/processes.ts';
import { shop } from '../helpers/systems.ts';

// Before the harness modules load: ledgers go to a folder of this test's own.
const scratch = vi.hoisted(() => {
  const dir = `${process.env.TMPDIR ?? '/tmp'}/faultline-bad-input-${process.pid}`;
  process.env.FAULTLINE_STATE_DIR = `${dir}/state`;
  return dir;
});
const { main } = await import('../../harness/cli.ts');

const scenariosDir = join(scratch, 'scenarios');
const reportsDir = join(scratch, 'reports');
const stateDir = join(scratch, 'state');
const emptyTools = join(scratch, 'no-tools');
mkdirSync(scenariosDir, { recursive: true });
mkdirSync(emptyTools, { recursive: true });
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const DEFINE = join(PROJECT_ROOT, 'harness', 'define.ts');
const PATTERN_LIST = Object.keys(PATTERNS).join(', ');
const ENDPOINTS = Object.keys(shop.endpoints);
const TENANTS = shop.tenants?.names ?? [];
const EDGE_NAMES = edgeNames(shop);
type Raw = Record<string, any>; // malformed on purpose: any field may be missing or of the wrong type

/** A valid scenario (as plain data, what the factories make) to break one field of. */
const valid = (name: string): Raw => ({
  system: 'shop',
  name,
  description: 'a scenario with one thing wrong',
  load: { rate: 20, duration: '10s', mix: { 'GET /products/:id': 1 } },
  faults: [{ at: '3s', for: '3s', fault: { kind: 'latency', params: { edge: 'catalog->postgres', ms: 100 } } }],
  slos: [{ kind: 'availability', endpoint: 'GET /products/:id', min: 0.99 }],
  protectedBy: ['breaker'],
});

let written = 0;
/** Writes a scenario file as a user would, returns its path. */
function scenarioFile(content: (name: string) => string): string {
  const name = `case-${String(++written).padStart(3, '0')}`;
  const path = join(scenariosDir, `${name}.ts`);
  writeFileSync(path, content(name));
  return path;
}
const fromData =
  (mutate: (s: Raw) => void) =>
  (name: string): string => {
    const s = valid(name);
    mutate(s);
    return `import { defineScenario } from '${DEFINE}';\nexport default defineScenario(${JSON.stringify(s, null, 2)});\n`;
  };
const fromSource =
  (source: string) =>
  (name: string): string =>
    source.replaceAll('NAME', name).replaceAll('DEFINE', DEFINE);

/** [what is wrong, how the file is made, the field the message must name, what else it must say] */
type FileCase = [string, (name: string) => string, string, string];

const FILE_CASES: FileCase[] = [
  // the file itself
  [
    'a syntax error',
    fromSource(`import { defineScenario } from 'DEFINE';\nexport default defineScenario({
  system: 'shop', name: 'NAME', load: { rate: 20, `),
    '',
    'could not be loaded',
  ],
  ['an import of a file that does not exist', fromSource(`import { nothing } from './no-such-helper.ts';\nexport default nothing;`), '', 'could not be loaded'],
  ['a module that throws while loading', fromSource(`throw new Error('broken on purpose');`), '', 'could not be loaded: broken on purpose'],
  ['no default export', fromSource(`export const scenario = {};`), '', 'the default export is not a scenario object'],
  [
    'defineScenario not called',
    fromSource(`import { defineScenario } from 'DEFINE';\nexport default defineScenario;`),
    '',
    'the default export is not a scenario object',
  ],
  // name and description
  ['a name that differs from the file name', fromData((s) => (s.name = 'another-name')), 'name', '"another-name" must match the file name'],
  ['a name with spaces', fromData((s) => (s.name = 'Has Spaces')), 'name', '"Has Spaces" must be lower-case words'],
  ['no name', fromData((s) => delete s.name), 'name', 'undefined must be lower-case words'],
  ['no description', fromData((s) => delete s.description), 'description', 'must be a non-empty sentence'],
  ['a blank description', fromData((s) => (s.description = '  ')), 'description', 'must be a non-empty sentence'],
  // typos at the top: the failure mode where a typo silently passes
  [
    'slo: typed for slos:',
    fromData((s) => ((s.slo = s.slos), delete s.slos)),
    'slo',
    'is not a field of a scenario (did you mean slos?); fields are: system, name, description, load, faults, slos, protectedBy',
  ],
  ['fault: typed for faults:', fromData((s) => ((s.fault = s.faults), delete s.faults)), 'fault', 'is not a field of a scenario (did you mean faults?)'],
  ['an unknown top-level field', fromData((s) => (s.retries = 3)), 'retries', 'is not a field of a scenario'],
  // load
  ['no load', fromData((s) => delete s.load), 'load', 'is missing: give { rate, duration, mix }'],
  ['load as a string', fromData((s) => (s.load = '20 rps')), 'load', 'is missing: give { rate, duration, mix }'],
  ['a zero rate', fromData((s) => (s.load.rate = 0)), 'load.rate', '0 must be a number of requests per second in (0, 5000]'],
  ['a negative rate', fromData((s) => (s.load.rate = -5)), 'load.rate', '-5 must be a number of requests per second'],
  ['a rate as a string', fromData((s) => (s.load.rate = '20')), 'load.rate', '"20" must be a number'],
  ['a rate over the bound', fromData((s) => (s.load.rate = 50_000)), 'load.rate', '50000 must be a number of requests per second in (0, 5000]'],
  ['rps: typed for rate:', fromData((s) => ((s.load.rps = 20), delete s.load.rate)), 'load.rps', 'is not a field of load'],
  ['a zero duration', fromData((s) => (s.load.duration = '0s')), 'load.duration', '"0s" is not a positive duration'],
  ['a negative duration', fromData((s) => (s.load.duration = '-5s')), 'load.duration', '"-5s" is not a positive duration'],
  ['a duration without a unit', fromData((s) => (s.load.duration = 60)), 'load.duration', '60 is not a positive duration'],
  ['a duration in words', fromData((s) => (s.load.duration = 'ten seconds')), 'load.duration', '"ten seconds" is not a positive duration'],
  ['no duration', fromData((s) => delete s.load.duration), 'load.duration', 'is not a positive duration'],
  ['no mix', fromData((s) => delete s.load.mix), 'load.mix', `must give a share per name; names are: ${ENDPOINTS.join(', ')}`],
  ['an empty mix', fromData((s) => (s.load.mix = {})), 'load.mix', 'must give a share per name'],
  [
    'an unknown endpoint in the mix',
    fromData((s) => (s.load.mix = { 'GET /prodcts/:id': 1 })),
    'load.mix["GET /prodcts/:id"]',
    `is not known; allowed: ${ENDPOINTS.join(', ')}`,
  ],
  ['a zero share', fromData((s) => (s.load.mix['GET /products/:id'] = 0)), 'load.mix["GET /products/:id"]', 'share 0 must be a positive number'],
  ['a negative share', fromData((s) => (s.load.mix['GET /products/:id'] = -1)), 'load.mix["GET /products/:id"]', 'share -1 must be a positive number'],
  ['a share as a string', fromData((s) => (s.load.mix['GET /products/:id'] = '80%')), 'load.mix["GET /products/:id"]', 'share "80%" must be a positive number'],
  ['an unknown tenant', fromData((s) => (s.load.tenants = { umbrella: 1 })), 'load.tenants["umbrella"]', `is not known; allowed: ${TENANTS.join(', ')}`],
  ['a zero tenant share', fromData((s) => (s.load.tenants = { acme: 0 })), 'load.tenants["acme"]', 'share 0 must be a positive number'],
  [
    'an inverted id range',
    fromData((s) => (s.load.params = { id: { int: [10, 1] } })),
    'load.params.id',
    'int must be [min, max], whole numbers with min <= max',
  ],
  ['fractional ids', fromData((s) => (s.load.params = { id: { int: [1, 1.5] } })), 'load.params.id', 'int must be [min, max], whole numbers with min <= max'],
  [
    'a parameter no mixed endpoint has',
    fromData((s) => (s.load.params = { product: { int: [1, 5] } })),
    'load.params.product',
    'is not a parameter of an endpoint in load.mix; parameters are: id',
  ],
  ['the leftover productIds', fromData((s) => (s.load.productIds = 50)), 'load.productIds', 'is not a field of load'],
  // the system
  ['no system', fromData((s) => delete s.system), 'system', 'is missing: name the system this scenario tests (system: '],
  ['an unknown system', fromData((s) => (s.system = 'shopp')), 'system', '"shopp" is not a system; systems are: '],
  // the fault schedule
  ['faults as an object', fromData((s) => (s.faults = s.faults[0])), 'faults', 'must be a list (it may be empty)'],
  ['a fault that is a string', fromData((s) => (s.faults = ['latency'])), 'faults[0]', 'must be { at, for, fault }'],
  ['a fault with no at', fromData((s) => delete s.faults[0].at), 'faults[0].at', 'undefined is not a duration'],
  ['a fault at 0s (no baseline)', fromData((s) => (s.faults[0].at = '0s')), 'faults[0].at', 'is 0: leave a baseline phase before the fault'],
  ['a fault at a negative time', fromData((s) => (s.faults[0].at = '-1s')), 'faults[0].at', '"-1s" is not a duration'],
  ['a fault at a number', fromData((s) => (s.faults[0].at = 3)), 'faults[0].at', '3 is not a duration'],
  ['a fault lasting 0s', fromData((s) => (s.faults[0].for = '0s')), 'faults[0].for', '"0s" must be a positive duration'],
  ['a fault with no for', fromData((s) => delete s.faults[0].for), 'faults[0].for', 'must be a positive duration'],
  ['a fault after the load ends', fromData((s) => (s.faults[0].at = '12s')), 'faults[0]', 'ends at 15000 ms, not before the load ends at 10000 ms'],
  [
    'a fault ending with the load',
    fromData((s) => ((s.faults[0].at = '5s'), (s.faults[0].for = '5s'))),
    'faults[0]',
    'ends at 10000 ms, not before the load ends at 10000 ms: leave a recovery phase',
  ],
  [
    'duration: typed for for:',
    fromData((s) => ((s.faults[0].duration = '3s'), delete s.faults[0].for)),
    'faults[0].duration',
    'is not a field of a scheduled fault',
  ],
  ['a fault entry with no fault', fromData((s) => delete s.faults[0].fault), 'faults[0].fault', 'must be made by a fault factory; kinds are: latency'],
  ['an unknown fault kind', fromData((s) => (s.faults[0].fault.kind = 'meteor')), 'faults[0].fault.kind', '"meteor" is not a fault kind; kinds are: latency'],
  ['a fault kind in the wrong case', fromData((s) => (s.faults[0].fault.kind = 'Latency')), 'faults[0].fault.kind', '"Latency" is not a fault kind'],
  [
    'a fault with no params',
    fromData((s) => delete s.faults[0].fault.params),
    'faults[0].fault.params',
    'must be an object; make the fault with faults.latency({...})',
  ],
  ['param: typed for params:', fromData((s) => (s.faults[0].fault.param = {})), 'faults[0].fault.param', 'is not a field of a fault (did you mean params?)'],
  [
    'an unknown edge',
    fromData((s) => (s.faults[0].fault.params.edge = 'catalog->postgress')),
    'faults[0].fault.edge',
    `"catalog->postgress" is not an edge; edges are: ${EDGE_NAMES.join(', ')}`,
  ],
  [
    'an edge with a trailing space',
    fromData((s) => (s.faults[0].fault.params.edge = 'catalog->redis ')),
    'faults[0].fault.edge',
    '"catalog->redis " is not an edge',
  ],
  [
    'an edge the wrong way round',
    fromData((s) => (s.faults[0].fault.params.edge = 'postgres->catalog')),
    'faults[0].fault.edge',
    '"postgres->catalog" is not an edge',
  ],
  ['a zero delay', fromData((s) => (s.faults[0].fault.params.ms = 0)), 'faults[0].fault.ms', '0 must be a delay in milliseconds in (0, 60000]'],
  ['a negative delay', fromData((s) => (s.faults[0].fault.params.ms = -100)), 'faults[0].fault.ms', '-100 must be a delay in milliseconds'],
  ['a delay as a string', fromData((s) => (s.faults[0].fault.params.ms = '100ms')), 'faults[0].fault.ms', '"100ms" must be a delay in milliseconds'],
  [
    'a delay over a minute',
    fromData((s) => (s.faults[0].fault.params.ms = 120_000)),
    'faults[0].fault.ms',
    '120000 must be a delay in milliseconds in (0, 60000]',
  ],
  [
    'jitter larger than the delay',
    fromData((s) => (s.faults[0].fault.params.jitterMs = 500)),
    'faults[0].fault.jitterMs',
    '500 must be a number of milliseconds in [0, ms]',
  ],
  [
    'a negative jitter',
    fromData((s) => (s.faults[0].fault.params.jitterMs = -1)),
    'faults[0].fault.jitterMs',
    '-1 must be a number of milliseconds in [0, ms]',
  ],
  [
    'jitter: typed for jitterMs:',
    fromData((s) => (s.faults[0].fault.params.jitter = 10)),
    'faults[0].fault.jitter',
    'is not a field of a latency fault (did you mean jitterMs?); fields are: edge, ms, jitterMs',
  ],
  // SLOs
  ['no slos', fromData((s) => delete s.slos), 'slos', 'must list at least one SLO'],
  ['an empty slos list', fromData((s) => (s.slos = [])), 'slos', 'must list at least one SLO: a scenario with nothing to check would pass vacuously'],
  ['slos as an object', fromData((s) => (s.slos = s.slos[0])), 'slos', 'must list at least one SLO'],
  [
    'an unknown SLO kind',
    fromData((s) => (s.slos[0].kind = 'throughput')),
    'slos[0].kind',
    '"throughput" is not an SLO kind; kinds are: availability, latency',
  ],
  [
    'an SLO on an unknown endpoint',
    fromData((s) => (s.slos[0].endpoint = 'GET /checkout')),
    'slos[0].endpoint',
    `"GET /checkout" is not an endpoint; endpoints are: ${ENDPOINTS.join(', ')}`,
  ],
  [
    'an SLO on an endpoint the load never calls',
    fromData((s) => (s.slos[0].endpoint = 'GET /search')),
    'slos[0].endpoint',
    '"GET /search" gets no load: load.mix sends requests only to GET /products/:id',
  ],
  ['an availability over 1', fromData((s) => (s.slos[0].min = 1.5)), 'slos[0].min', '1.5 must be a share in (0, 1]'],
  ['an availability of 0', fromData((s) => (s.slos[0].min = 0)), 'slos[0].min', '0 must be a share in (0, 1]'],
  ['an availability as a percentage string', fromData((s) => (s.slos[0].min = '99%')), 'slos[0].min', '"99%" must be a share in (0, 1]'],
  [
    'a percentile of 0',
    fromData((s) => (s.slos = [{ kind: 'latency', endpoint: 'GET /products/:id', p: 0, maxMs: 100 }])),
    'slos[0].p',
    '0 must be a percentile in (0, 100]',
  ],
  [
    'a percentile over 100',
    fromData((s) => (s.slos = [{ kind: 'latency', endpoint: 'GET /products/:id', p: 101, maxMs: 100 }])),
    'slos[0].p',
    '101 must be a percentile in (0, 100]',
  ],
  [
    'a latency SLO with no percentile',
    fromData((s) => (s.slos = [{ kind: 'latency', endpoint: 'GET /products/:id', maxMs: 100 }])),
    'slos[0].p',
    'undefined must be a percentile',
  ],
  [
    'a zero latency bound',
    fromData((s) => (s.slos = [{ kind: 'latency', endpoint: 'GET /products/:id', p: 99, maxMs: 0 }])),
    'slos[0].maxMs',
    '0 must be a positive number of milliseconds',
  ],
  [
    'a negative latency bound',
    fromData((s) => (s.slos = [{ kind: 'latency', endpoint: 'GET /products/:id', p: 99, maxMs: -1 }])),
    'slos[0].maxMs',
    '-1 must be a positive number of milliseconds',
  ],
  [
    'max: typed for maxMs:',
    fromData((s) => (s.slos = [{ kind: 'latency', endpoint: 'GET /products/:id', p: 99, maxMs: 300, max: 250 }])),
    'slos[0].max',
    'is not a field of a latency SLO',
  ],
  [
    'percentile: typed for p:',
    fromData((s) => (s.slos = [{ kind: 'latency', endpoint: 'GET /products/:id', percentile: 99, maxMs: 300 }])),
    'slos[0].percentile',
    'is not a field of a latency SLO; fields are: kind, endpoint, p, maxMs, phases',
  ],
  ['an unknown phase', fromData((s) => (s.slos[0].phases = ['during'])), 'slos[0].phases[0]', '"during" is not a phase; phases are: baseline, fault, recovery'],
  ['an empty phase list', fromData((s) => (s.slos[0].phases = [])), 'slos[0].phases', 'must be a non-empty list of baseline, fault, recovery'],
  [
    'a fault-phase SLO with no faults',
    fromData((s) => (s.faults = [])),
    'slos[0].phases',
    "includes a fault or recovery phase, but faults is empty; give phases: ['baseline'] or add a fault",
  ],
  // protectedBy
  ['no protectedBy', fromData((s) => delete s.protectedBy), 'protectedBy', `must name at least one pattern; patterns are: ${PATTERN_LIST}`],
  ['an empty protectedBy', fromData((s) => (s.protectedBy = [])), 'protectedBy', 'must name at least one pattern'],
  ['an unknown pattern', fromData((s) => (s.protectedBy = ['brakes'])), 'protectedBy[0]', `"brakes" is not a pattern; patterns are: ${PATTERN_LIST}`],
  ['protectedBy as a string', fromData((s) => (s.protectedBy = 'breaker')), 'protectedBy', 'must name at least one pattern'],
];

/** [what is wrong, arguments after the scenario (or instead of it), what the message must say] */
type FlagCase = [string, string[], string];
const FLAG_CASES: FlagCase[] = [
  ['an unknown flag', ['SCENARIO', '--sed', '1'], "Unknown option '--sed'"],
  ['a seed that is not a number', ['SCENARIO', '--seed', 'abc'], '--seed "abc" must be a whole number in 0..2147483647'],
  ['a fractional seed', ['SCENARIO', '--seed', '1.5'], '--seed "1.5" must be a whole number'],
  ['a seed too large to replay', ['SCENARIO', '--seed', '99999999999'], '--seed "99999999999" must be a whole number in 0..2147483647'],
  ['a negative seed', ['SCENARIO', '--seed=-1'], '--seed "-1" must be a whole number'],
  ['an unknown runtime', ['SCENARIO', '--runtime', 'dokcer'], '--runtime "dokcer" is not a runtime; runtimes are:'],
  ['a runtime with no name', ['SCENARIO', '--runtime'], "Option '--runtime <value>' argument missing"],
  [
    'an unknown --disable pattern',
    ['SCENARIO', '--disable', 'brakes'],
    `--disable "brakes" names no pattern of system shop; its patterns are: ${PATTERN_LIST}`,
  ],
  ['one unknown name among known ones', ['SCENARIO', '--disable', 'breaker,retyr'], '--disable "retyr" names no pattern'],
  ['a value for a switch', ['SCENARIO', '--json=yes'], "Option '--json' does not take an argument"],
  ['no scenario', [], 'name a scenario, or use --all or --list'],
  ['an unknown scenario name', ['no-such-scenario'], 'unknown scenario "no-such-scenario"; scenarios are: '],
  ['a scenario file that does not exist', ['nope/missing.ts'], 'nope/missing.ts: could not be loaded'],
  ['--all with scenario names', ['--all', 'postgres-latency'], '--all takes no scenario names (got postgres-latency); give one or the other'],
  ['--keep-up for several scenarios', ['--all', '--keep-up'], '--keep-up keeps one stack up: name exactly one scenario'],
];

const goodScenario = scenarioFile(fromData(() => undefined));

interface Outcome {
  code: number;
  stderr: string;
}

async function inProcess(args: string[], env: Record<string, string> = {}): Promise<Outcome> {
  const lines: string[] = [];
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  try {
    const code = await main(args, { out: (l) => lines.push(l), err: (l) => lines.push(l) });
    return { code, stderr: lines.join('\n') };
  } finally {
    for (const [k, v] of Object.entries(saved))
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
  }
}

function realCli(args: string[], env: Record<string, string> = {}): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--disable-warning=ExperimentalWarning', join(PROJECT_ROOT, 'harness/cli.ts'), ...args],
      { cwd: PROJECT_ROOT, env: { ...process.env, NO_COLOR: '1', TMPDIR: scratch, FAULTLINE_STATE_DIR: stateDir, ...env }, timeout: 30_000 },
      (error, _stdout, stderr) => resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stderr }),
    );
  });
}

/** Nothing booted: no process of ours, no ledger, no run folder. */
function expectNothingStarted(): void {
  expect(leftoverProcesses(scratch, { markerOnly: true })).toEqual([]);
  expect(existsSync(stateDir) ? readdirSync(stateDir) : []).toEqual([]);
  expect(existsSync(reportsDir) ? readdirSync(reportsDir) : []).toEqual([]);
}

const tried = { files: 0, flags: 0, cliProcesses: 0 };
afterAll(() =>
  console.log(
    `bad-input figures: ${tried.files} malformed scenario files, ${tried.flags} bad flags or environments, ${tried.files + tried.flags} in all (${tried.cliProcesses} through the real CLI process)`,
  ),
);

describe('a malformed scenario file', () => {
  it.each(FILE_CASES)('%s: exit 2 before anything boots, naming file and field', async (_what, make, field, says) => {
    const path = scenarioFile(make);
    const { code, stderr } = await inProcess([path, '--runtime', 'local', '--report-dir', reportsDir]);
    tried.files++;
    expect(code, stderr).toBe(2);
    expect(stderr).toContain('faultline: invalid scenario:');
    expect(stderr).toContain(`${path}: ${field ? `${field} ` : ''}`);
    expect(stderr).toContain(says);
    expectNothingStarted();
  });
});

describe('bad flags and environment', () => {
  it.each(FLAG_CASES)('%s: exit 2, naming the flag and what is allowed', async (_what, args, says) => {
    const { code, stderr } = await inProcess(['--report-dir', reportsDir, ...args.map((a) => (a === 'SCENARIO' ? goodScenario : a))]);
    tried.flags++;
    expect(code, stderr).toBe(2);
    expect(stderr).toContain(says);
    expectNothingStarted();
  });

  it('a missing tool: exit 2 naming the tool, where it was looked for and how to install it', async () => {
    const { code, stderr } = await inProcess([goodScenario, '--runtime', 'local', '--report-dir', reportsDir], { FAULTLINE_TOOLS_DIR: emptyTools });
    tried.flags++;
    expect(code, stderr).toBe(2);
    expect(stderr).toContain(
      `faultline: toxiproxy-server is missing: looked for ${emptyTools}/toxiproxy-server (FAULTLINE_TOOLS_DIR=${emptyTools}); run \`npm run setup\``,
    );
    expectNothingStarted();
  });

  it.skipIf(process.getuid?.() !== 0)('a TMPDIR Postgres (run as its own user) cannot pass through: exit 2 naming the folder and its mode', async () => {
    const closed = join(scratch, 'closed');
    mkdirSync(closed, { mode: 0o700 });
    const { code, stderr } = await inProcess([goodScenario, '--runtime', 'local', '--report-dir', reportsDir], { TMPDIR: closed });
    tried.flags++;
    expect(code, stderr).toBe(2);
    expect(stderr).toMatch(
      new RegExp(
        `faultline: postgres runs as uid \\d+ \\(we are root\\) and cannot reach its data dir under ${closed}: ${closed} has mode 0700; set TMPDIR to a folder others may pass through`,
      ),
    );
    expectNothingStarted();
  });

  it('a report folder that cannot be made: exit 2 naming --report-dir', async () => {
    const file = join(scratch, 'a-file');
    writeFileSync(file, '');
    const { code, stderr } = await inProcess([goodScenario, '--runtime', 'local', '--report-dir', join(file, 'reports')]);
    tried.flags++;
    expect(code, stderr).toBe(2);
    expect(stderr).toContain(`faultline: --report-dir "${join(file, 'reports')}" cannot hold run folders: `);
    expectNothingStarted();
  });
});

describe('through the real CLI process', () => {
  const cases: [string, () => string[], Record<string, string>, string][] = [
    ['a syntax error', () => [scenarioFile(fromSource(`export default {{ name: 'NAME' `))], {}, ': could not be loaded: '],
    ['TypeScript that Node cannot strip (an enum)', () => [scenarioFile(fromSource(`enum Kind { A }\nexport default Kind;`))], {}, ': could not be loaded: '],
    [
      'slo: typed for slos:',
      () => [scenarioFile(fromData((s) => ((s.slo = s.slos), delete s.slos)))],
      {},
      'slo is not a field of a scenario (did you mean slos?)',
    ],
    ['an unknown flag', () => [goodScenario, '--sed', '1'], {}, "Unknown option '--sed'"],
    ['an unknown --disable pattern', () => [goodScenario, '--disable', 'brakes'], {}, '--disable "brakes" names no pattern'],
    ['a missing k6 and toxiproxy', () => [goodScenario, '--runtime', 'local'], { FAULTLINE_TOOLS_DIR: emptyTools }, 'toxiproxy-server is missing: looked for'],
    // an engine does answer on /var/run/docker.sock here: the run must not quietly fall back to it
    [
      '--runtime docker with DOCKER_HOST at a socket with no engine behind it',
      () => [goodScenario, '--runtime', 'docker'],
      { DOCKER_HOST: `unix://${scratch}/no-engine.sock` },
      `faultline: no Docker engine answers at DOCKER_HOST=unix://${scratch}/no-engine.sock (ENOENT`,
    ],
  ];
  it.each(cases)('%s: exit 2 with the message, nothing started', { timeout: 30_000 }, async (_what, args, env, says) => {
    const argv = args();
    const { code, stderr } = await realCli([...argv, '--report-dir', reportsDir], env);
    tried.cliProcesses++;
    tried[argv[0] === goodScenario ? 'flags' : 'files']++;
    expect(code, stderr).toBe(2);
    expect(stderr).toContain(says);
    expectNothingStarted();
  });
});
