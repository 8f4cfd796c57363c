import { describe, expect, it } from 'vitest';
import { validateScenario, ScenarioError } from '../../harness/scenario.ts';
import { defineScenario, faults, slo } from '../../harness/define.ts';
import { EDGE_NAMES } from '../../harness/topology.ts';

const valid = () =>
  defineScenario({
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
    validateScenario(s, 'scenarios/x-test.ts');
  } catch (error) {
    if (error instanceof ScenarioError) return error.problems;
    throw error;
  }
  return [];
}

describe('validateScenario', () => {
  it('accepts a valid scenario and computes its schedule', () => {
    const s = validateScenario(valid(), 'scenarios/x-test.ts');
    expect(s.durationMs).toBe(30_000);
    expect(s.schedule).toEqual([{ atMs: 10_000, forMs: 10_000, fault: faults.latency({ edge: 'catalog->postgres', ms: 400 }) }]);
  });

  it.each([
    ['an unknown edge', (s: any) => (s.faults[0].fault.params.edge = 'catalog->redis '), `faults[0].fault.edge "catalog->redis " is not an edge; edges are: ${EDGE_NAMES.join(', ')}`],
    ['an unknown fault kind', (s: any) => (s.faults[0].fault.kind = 'meteor'), 'faults[0].fault.kind "meteor" is not a fault kind; kinds are: latency'],
    ['a negative delay', (s: any) => (s.faults[0].fault.params.ms = -5), 'faults[0].fault.ms -5 must be a delay'],
    ['a fault outlasting the load', (s: any) => (s.faults[0].for = '25s'), 'faults[0] ends at 35000 ms, not before the load ends at 30000 ms'],
    ['a fault with no baseline', (s: any) => (s.faults[0].at = '0s'), 'faults[0].at is 0'],
    ['a zero duration', (s: any) => (s.load.duration = '0s'), 'load.duration "0s" is not a positive duration'],
    ['an unknown endpoint in the mix', (s: any) => (s.load.mix = { 'GET /prodcts/:id': 1 }), 'load.mix["GET /prodcts/:id"] is not known'],
    ['an SLO on an unknown endpoint', (s: any) => (s.slos[0].endpoint = 'GET /nope'), 'slos[0].endpoint "GET /nope" is not an endpoint'],
    ['a percentile out of range', (s: any) => (s.slos = [slo.latency({ endpoint: 'GET /products/:id', p: 100.5, maxMs: 10 })]), 'slos[0].p 100.5 must be a percentile in (0, 100]'],
    ['an unknown SLO kind', (s: any) => (s.slos[0].kind = 'vibes'), 'slos[0].kind "vibes" is not an SLO kind'],
    ['no SLO at all', (s: any) => (s.slos = []), 'slos must list at least one SLO'],
    ['an unknown phase', (s: any) => (s.slos[0].phases = ['during']), 'slos[0].phases[0] "during" is not a phase'],
    ['an unknown protecting pattern', (s: any) => (s.protectedBy = ['brakes']), 'protectedBy[0] "brakes" is not a pattern; patterns are:'],
    ['a bad name', (s: any) => (s.name = 'Has Spaces'), 'name "Has Spaces" must be lower-case'],
    ['a zero rate', (s: any) => (s.load.rate = 0), 'load.rate 0 must be a number'],
    ['a ramp on a fault that is not load-shaped', (s: any) => (s.faults[0].ramp = '2s'), 'faults[0].ramp a latency fault cannot ramp: only load-shaped faults do (loadSpike, noisyNeighbour, poisonPill)'],
    ['a ramp as long as the fault', (s: any) => ((s.faults[0].fault = faults.loadSpike({ rate: 50 })), (s.faults[0].ramp = '10s')), 'faults[0].ramp "10s" must be a positive duration shorter than for ("10s")'],
    ['a breaker check that could never fail', (s: any) => (s.cascade = [{ kind: 'breaker-opens', dependency: 'postgres' }]), 'cascade[0] breakerOpens needs min, max or both'],
    ['a breaker check on an unknown dependency', (s: any) => (s.cascade = [{ kind: 'breaker-opens', dependency: 'mysql', min: 1 }]), 'cascade[0].dependency "mysql" is not a dependency'],
    ['a recovery check with no SLO in the recovery phase', (s: any) => ((s.slos[0].phases = ['baseline', 'fault']), (s.cascade = [{ kind: 'recovery', endpoint: 'GET /products/:id', within: '5s' }])), 'cascade[0].endpoint "GET /products/:id" has no SLO that holds in the recovery phase'],
  ])('rejects %s, naming file, field and what is allowed', (_what, mutate, expected) => {
    const found = problems(mutate);
    expect(found.join('\n')).toContain(`scenarios/x-test.ts: ${expected}`);
  });

  it('schedules a ramp for a load-shaped fault', () => {
    const s = structuredClone(valid()) as any;
    s.faults[0] = { at: '10s', for: '10s', ramp: '3s', fault: faults.loadSpike({ rate: 50 }) };
    expect(validateScenario(s, 'scenarios/x-test.ts').schedule[0]).toMatchObject({ atMs: 10_000, forMs: 10_000, rampMs: 3000 });
  });

  it('reports every problem at once', () => {
    expect(problems((s: any) => ((s.load.rate = -1), (s.protectedBy = []))).length).toBe(2);
  });

  it('rejects a module whose default export is not a scenario', () => {
    expect(() => validateScenario(undefined, 'scenarios/x.ts')).toThrow(/default export is not a scenario/);
  });
});
