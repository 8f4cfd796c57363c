import { describe, expect, it } from 'vitest';
import { breakerOpens, defineScenario, faults, retryAmplification, slo } from '../../harness/define.ts';
import { ScenarioError, validateScenario } from '../../harness/scenario.ts';
import { edgeNames } from '../../harness/system/system.ts';
import { validateSystem } from '../../harness/system/validate.ts';
import { shop } from '../helpers/systems.ts';

const valid = () =>
  defineScenario({
    system: 'shop',
    name: 'x-test',
    description: 'a test scenario',
    load: { rate: 20, duration: '30s', mix: { 'GET /products/:id': 1 } },
    faults: [{ at: '10s', for: '10s', fault: faults.latency({ edge: 'catalog->postgres', ms: 400 }) }],
    slos: [slo.availability({ endpoint: 'GET /products/:id', min: 0.99 })],
    protectedBy: ['breaker'],
  });

function problems(mutate: (s: Record<string, unknown>) => void): string[] {
  const s = structuredClone(valid()) as unknown as Record<string, unknown>;
  mutate(s);
  try {
    validateScenario(s, 'scenarios/x-test.ts', shop);
  } catch (error) {
    if (error instanceof ScenarioError) return error.problems;
    throw error;
  }
  return [];
}

describe('validateScenario', () => {
  it('accepts a valid scenario and computes its schedule', () => {
    const s = validateScenario(valid(), 'scenarios/x-test.ts', shop);
    expect(s.durationMs).toBe(30_000);
    expect(s.schedule).toEqual([{ atMs: 10_000, forMs: 10_000, fault: faults.latency({ edge: 'catalog->postgres', ms: 400 }) }]);
  });

  it.each([
    [
      'an unknown edge',
      (s: any) => (s.faults[0].fault.params.edge = 'catalog->redis '),
      `faults[0].fault.edge "catalog->redis " is not an edge; edges are: ${edgeNames(shop).join(', ')}`,
    ],
    ['an unknown fault kind', (s: any) => (s.faults[0].fault.kind = 'meteor'), 'faults[0].fault.kind "meteor" is not a fault kind; kinds are: latency'],
    ['a negative delay', (s: any) => (s.faults[0].fault.params.ms = -5), 'faults[0].fault.ms -5 must be a delay'],
    ['a fault outlasting the load', (s: any) => (s.faults[0].for = '25s'), 'faults[0] ends at 35000 ms, not before the load ends at 30000 ms'],
    ['a fault with no baseline', (s: any) => (s.faults[0].at = '0s'), 'faults[0].at is 0'],
    ['a zero duration', (s: any) => (s.load.duration = '0s'), 'load.duration "0s" is not a positive duration'],
    ['an unknown endpoint in the mix', (s: any) => (s.load.mix = { 'GET /prodcts/:id': 1 }), 'load.mix["GET /prodcts/:id"] is not known'],
    ['an SLO on an unknown endpoint', (s: any) => (s.slos[0].endpoint = 'GET /nope'), 'slos[0].endpoint "GET /nope" is not an endpoint'],
    [
      'a percentile out of range',
      (s: any) => (s.slos = [slo.latency({ endpoint: 'GET /products/:id', p: 100.5, maxMs: 10 })]),
      'slos[0].p 100.5 must be a percentile in (0, 100]',
    ],
    ['an unknown SLO kind', (s: any) => (s.slos[0].kind = 'vibes'), 'slos[0].kind "vibes" is not an SLO kind'],
    ['no SLO at all', (s: any) => (s.slos = []), 'slos must list at least one SLO'],
    ['an unknown phase', (s: any) => (s.slos[0].phases = ['during']), 'slos[0].phases[0] "during" is not a phase'],
    ['an unknown protecting pattern', (s: any) => (s.protectedBy = ['brakes']), 'protectedBy[0] "brakes" is not a pattern; patterns are:'],
    ['a bad name', (s: any) => (s.name = 'Has Spaces'), 'name "Has Spaces" must be lower-case'],
    ['a zero rate', (s: any) => (s.load.rate = 0), 'load.rate 0 must be a number'],
    [
      'a ramp on a fault that is not load-shaped',
      (s: any) => (s.faults[0].ramp = '2s'),
      'faults[0].ramp a latency fault cannot ramp: only load-shaped faults do (loadSpike, noisyNeighbour, poisonPill)',
    ],
    [
      'a ramp as long as the fault',
      (s: any) => ((s.faults[0].fault = faults.loadSpike({ rate: 50 })), (s.faults[0].ramp = '10s')),
      'faults[0].ramp "10s" must be a positive duration shorter than for ("10s")',
    ],
    [
      'a breaker check that could never fail',
      (s: any) => (s.cascade = [{ kind: 'breaker-opens', dependency: 'postgres' }]),
      'cascade[0] breakerOpens needs min, max or both',
    ],
    [
      'a breaker check on an unknown dependency',
      (s: any) => (s.cascade = [{ kind: 'breaker-opens', dependency: 'mysql', min: 1 }]),
      'cascade[0].dependency "mysql" is not a dependency',
    ],
    [
      'a recovery check with no SLO in the recovery phase',
      (s: any) => ((s.slos[0].phases = ['baseline', 'fault']), (s.cascade = [{ kind: 'recovery', endpoint: 'GET /products/:id', within: '5s' }])),
      'cascade[0].endpoint "GET /products/:id" has no SLO that holds in the recovery phase',
    ],
  ])('rejects %s, naming file, field and what is allowed', (_what, mutate, expected) => {
    const found = problems(mutate);
    expect(found.join('\n')).toContain(`scenarios/x-test.ts: ${expected}`);
  });

  it('schedules a ramp for a load-shaped fault', () => {
    const s = structuredClone(valid()) as any;
    s.faults[0] = { at: '10s', for: '10s', ramp: '3s', fault: faults.loadSpike({ rate: 50 }) };
    expect(validateScenario(s, 'scenarios/x-test.ts', shop).schedule[0]).toMatchObject({ atMs: 10_000, forMs: 10_000, rampMs: 3000 });
  });

  it('reports every problem at once', () => {
    expect(problems((s: any) => ((s.load.rate = -1), (s.protectedBy = []))).length).toBe(2);
  });

  it('rejects a module whose default export is not a scenario', () => {
    expect(() => validateScenario(undefined, 'scenarios/x.ts', shop)).toThrow(/default export is not a scenario/);
  });
});

/** A small system of another team: one service on Postgres and Redis, a retry switch, no metrics. */
const notesInput = {
  name: 'notes',
  parts: {
    db: { kind: 'postgres' },
    cache: { kind: 'redis' },
    api: { kind: 'service', command: ['node', 'api.js'], port: 8080, readiness: { http: '/health' } },
  },
  edges: ['api->db', 'api->cache'],
  entry: 'api',
  endpoints: { 'GET /notes/:id': { path: '/notes/{id}', params: { id: { int: [1, 100] } } } },
  switches: { env: 'RESILIENCE_OFF', patterns: { retry: 'retries a failed call once' } },
};
const notes = validateSystem(notesInput, '/work/examples/notes/system.ts', 'examples/notes/system.ts');

const notesScenario = (more: Record<string, unknown> = {}): Record<string, unknown> => ({
  system: 'notes',
  name: 'x-notes',
  description: 'a scenario of another system',
  load: { rate: 20, duration: '30s', mix: { 'GET /notes/:id': 1 } },
  faults: [{ at: '10s', for: '10s', fault: faults.latency({ edge: 'api->db', ms: 400 }) }],
  slos: [slo.availability({ endpoint: 'GET /notes/:id', min: 0.99 })],
  protectedBy: ['retry'],
  ...more,
});

function notesProblems(raw: unknown, system = notes): string[] {
  try {
    validateScenario(raw, 'scenarios/x-notes.ts', system);
  } catch (error) {
    if (error instanceof ScenarioError) return error.problems;
    throw error;
  }
  return [];
}

describe('validateScenario against the system it names', () => {
  it('accepts a scenario of a system that is not the shop, on its own edges and endpoints', () => {
    const s = validateScenario(notesScenario(), 'scenarios/x-notes.ts', notes);
    expect(s.system).toBe(notes);
    expect(s.schedule).toEqual([{ atMs: 10_000, forMs: 10_000, fault: faults.latency({ edge: 'api->db', ms: 400 }) }]);
  });

  it("refuses an edge of another system, listing this system's edges", () => {
    const raw = notesScenario({ faults: [{ at: '10s', for: '10s', fault: faults.latency({ edge: 'catalog->postgres', ms: 400 }) }] });
    expect(notesProblems(raw)).toEqual(['scenarios/x-notes.ts: faults[0].fault.edge "catalog->postgres" is not an edge; edges are: api->db, api->cache']);
  });

  it('refuses retryAmplification and breakerOpens on a system without metrics, naming the check and the series it reads', () => {
    const raw = notesScenario({
      cascade: [
        retryAmplification({ dependency: 'db', max: 2 }),
        breakerOpens({ dependency: 'db', min: 1 }),
        retryAmplification({ dependency: 'cache', max: 2, per: 'call' }),
      ],
    });
    expect(notesProblems(raw)).toEqual([
      'scenarios/x-notes.ts: cascade[0] retryAmplification reads the series metrics.series.calls and metrics.series.requests, which system notes does not declare (it declares no metrics): declare them in notes/system.ts, or leave this check out',
      'scenarios/x-notes.ts: cascade[1] breakerOpens reads the series metrics.series.breakerTransitions and metrics.series.calls, which system notes does not declare (it declares no metrics): declare them in notes/system.ts, or leave this check out',
      'scenarios/x-notes.ts: cascade[2] retryAmplification reads the series metrics.series.calls and metrics.series.retries, which system notes does not declare (it declares no metrics): declare them in notes/system.ts, or leave this check out',
    ]);
  });

  it('names only the series a system with metrics leaves out', () => {
    const counted = validateSystem(
      { ...notesInput, metrics: { series: { calls: 'calls_total' } } },
      '/work/examples/notes/system.ts',
      'examples/notes/system.ts',
    );
    const raw = notesScenario({ cascade: [retryAmplification({ dependency: 'db', max: 2 }), breakerOpens({ dependency: 'db', max: 3 })] });
    expect(notesProblems(raw, counted)).toEqual([
      'scenarios/x-notes.ts: cascade[0] retryAmplification reads the series metrics.series.requests, which system notes does not declare: declare it in notes/system.ts, or leave this check out',
      'scenarios/x-notes.ts: cascade[1] breakerOpens reads the series metrics.series.breakerTransitions, which system notes does not declare: declare it in notes/system.ts, or leave this check out',
    ]);
    const withEvery = validateSystem(
      { ...notesInput, metrics: { series: { requests: 'requests_total', calls: 'calls_total', breakerTransitions: 'breaker_total' } } },
      '/work/examples/notes/system.ts',
    );
    expect(notesProblems(raw, withEvery)).toEqual([]);
  });

  it('refuses an endpoint, a tenant and a priority the system does not have', () => {
    const raw = notesScenario({ load: { rate: 20, duration: '30s', mix: { 'GET /products/:id': 1 }, tenants: { acme: 1 }, priorities: { critical: 1 } } });
    const found = notesProblems(raw).join('\n');
    expect(found).toContain('scenarios/x-notes.ts: load.mix["GET /products/:id"] is not known; allowed: GET /notes/:id');
    expect(found).toContain('scenarios/x-notes.ts: load.tenants system notes has no tenants: leave load.tenants out');
    expect(found).toContain('scenarios/x-notes.ts: load.priorities system notes has no priorities: leave load.priorities out');
  });
});
