import { describe, expect, it } from 'vitest';
import { defineScenario, faults, slo } from '../../harness/define.ts';
import { loadSpikeFault } from '../../harness/faults/load-spike.ts';
import { trafficLandedProof } from '../../harness/faults/load-traffic.ts';
import { noisyNeighbourFault } from '../../harness/faults/noisy-neighbour.ts';
import { poisonPillFault } from '../../harness/faults/poison-pill.ts';
import { type ScenarioError, validateScenario } from '../../harness/scenario.ts';
import { validateSystem } from '../../harness/system/validate.ts';
import { shop } from '../helpers/systems.ts';

describe('the proof of a load-shaped fault, from its recorded samples', () => {
  it('lands when >= 80% of the scheduled requests were sent and answered, with the counts per status', () => {
    const proof = trafficLandedProof({
      ratePerSecond: 100,
      forMs: 10_000,
      statuses: { 200: { count: 300, retryAfter: 0 }, 503: { count: 600, retryAfter: 600 }, 0: { count: 20, retryAfter: 0 } },
      dropped: 3,
    });
    expect(proof.landed).toBe(true);
    expect(proof.evidence).toContain(
      'k6 sent 920 of 1,000 scheduled requests (92.0%; 3 iterations dropped), 900 answered: 600 x 503 (all with Retry-After), 300 x 200, 20 without an answer',
    );
  });

  it('does not land when k6 could not send the load', () => {
    const proof = trafficLandedProof({ ratePerSecond: 100, forMs: 10_000, statuses: { 200: { count: 700, retryAfter: 0 } }, dropped: 300 });
    expect(proof).toMatchObject({ landed: false });
    expect(proof.evidence).toContain('the extra load was not delivered');
  });

  it('does not land when most requests were sent but never answered', () => {
    const proof = trafficLandedProof({
      ratePerSecond: 100,
      forMs: 10_000,
      statuses: { 200: { count: 500, retryAfter: 0 }, 0: { count: 500, retryAfter: 0 } },
      dropped: 0,
    });
    expect(proof).toMatchObject({ landed: false });
    expect(proof.evidence).toContain('too few requests got any answer');
  });

  it('expects half the rate during a ramp: 100 req/s over 10 s with a 4 s ramp is 800 requests', () => {
    const statuses = (count: number) => ({ 200: { count, retryAfter: 0 } });
    expect(trafficLandedProof({ ratePerSecond: 100, forMs: 10_000, rampMs: 4000, statuses: statuses(640), dropped: 0 })).toMatchObject({ landed: true });
    const short = trafficLandedProof({ ratePerSecond: 100, forMs: 10_000, rampMs: 4000, statuses: statuses(639), dropped: 0 });
    expect(short.landed).toBe(false);
    expect(short.evidence).toMatch(/639 of 800 scheduled.*the first 4\.0 s climbing from 0/);
  });

  it('does not land with no samples at all', () => {
    expect(trafficLandedProof({ ratePerSecond: 5, forMs: 4000, statuses: {}, dropped: 0 }).landed).toBe(false);
  });
});

describe('load-shaped fault parameters', () => {
  it.each([
    ['a spike with no rate', loadSpikeFault.validate({}, shop), 'rate', 'undefined must be a number of requests per second in (0, 5000]'],
    [
      'a spike at an unknown priority',
      loadSpikeFault.validate({ rate: 10, priority: 'urgent' }, shop),
      'priority',
      '"urgent" is not a priority; priorities are: critical, normal, background',
    ],
    [
      'a spike on an unknown endpoint',
      loadSpikeFault.validate({ rate: 10, mix: { 'GET /nope': 1 } }, shop),
      'mix["GET /nope"]',
      'is not an endpoint; endpoints are:',
    ],
    [
      'a flood from an unknown tenant',
      noisyNeighbourFault.validate({ tenant: 'umbrella', rate: 10 }, shop),
      'tenant',
      '"umbrella" is not a tenant; tenants are: acme, globex, initech',
    ],
    ['too many pills', poisonPillFault.validate({ tenant: 'acme', rate: 51 }, shop), 'rate', '51 must be a number of requests per second in (0, 50]'],
    [
      'pills where there is no defect',
      poisonPillFault.validate({ tenant: 'acme', rate: 1, endpoint: 'GET /products' }, shop),
      'endpoint',
      '"GET /products" has no poison payload; endpoints with one are: GET /search',
    ],
  ])('rejects %s, naming the field, the value and what is allowed', (_what, problems, field, text) => {
    expect(problems).toContainEqual({ field, text: expect.stringContaining(text) });
  });

  it('accepts valid parameters and describes the traffic k6 sends', () => {
    expect(poisonPillFault.validate({ tenant: 'initech', rate: 2 }, shop)).toEqual([]);
    expect(poisonPillFault.traffic?.({ tenant: 'initech', rate: 2 }, shop)).toEqual({
      ratePerSecond: 2,
      tenants: { initech: 1 },
      mix: { 'GET /search': 1 },
      params: { word: 'poison:hang:initech' },
    });
    expect(noisyNeighbourFault.traffic?.({ tenant: 'acme', rate: 300 }, shop)).toEqual({ ratePerSecond: 300, tenants: { acme: 1 } });
    expect(loadSpikeFault.traffic?.({ rate: 900, priority: 'background' }, shop)).toEqual({ ratePerSecond: 900, priorities: { background: 1 } });
  });

  it('reports a bad parameter in a scenario with the file and the field, through validateScenario', () => {
    const s = defineScenario({
      system: 'shop',
      name: 'x',
      description: 'x',
      load: { rate: 10, duration: '30s', mix: { 'GET /products/:id': 1 }, priorities: { critical: 1, urgent: 1 } },
      faults: [{ at: '5s', for: '5s', fault: faults.noisyNeighbour({ tenant: 'umbrella', rate: 10 }) }],
      slos: [slo.availability({ endpoint: 'GET /products/:id', min: 0.9, priority: 'vip' })],
      blastRadius: { tenants: ['umbrella'] },
      protectedBy: ['rate-limit'],
    });
    let problems: string[] = [];
    try {
      validateScenario(s, 'scenarios/x.ts', shop);
    } catch (error) {
      problems = (error as ScenarioError).problems;
    }
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining('scenarios/x.ts: load.priorities["urgent"] is not known; allowed: critical, normal, background'),
        expect.stringContaining('scenarios/x.ts: faults[0].fault.tenant "umbrella" is not a tenant'),
        expect.stringContaining('scenarios/x.ts: slos[0].priority "vip" is not a priority'),
        expect.stringContaining('scenarios/x.ts: blastRadius.tenants[0] "umbrella" is not a tenant'),
      ]),
    );
  });
});

describe('load-shaped faults on a system that is not the shop', () => {
  const notes = (more: Record<string, unknown> = {}) =>
    validateSystem(
      {
        name: 'notes',
        parts: { api: { kind: 'service', command: ['python3', 'app.py'], port: 8000, readiness: { http: '/health' } } },
        edges: [],
        entry: 'api',
        endpoints: {
          'GET /find': { path: '/find?q={q}', params: { q: { oneOf: ['a', 'b'] } } },
          'GET /tags/:tag': { path: '/tags/{tag}', params: { tag: { oneOf: ['x'] } } },
        },
        ...more,
      },
      '/work/examples/notes/system.ts',
    );

  it('refuses pills, tenants and priorities a system does not declare, saying it has none', () => {
    const plain = notes();
    expect(poisonPillFault.validate({ tenant: 'acme', rate: 1 }, plain)).toEqual([
      { field: 'tenant', text: '"acme" is not a tenant; system notes has no tenants' },
      { field: 'endpoint', text: 'system notes declares no poison payload: give it one in its declaration\'s poison: { "METHOD /path": { param: "value" } }' },
    ]);
    expect(loadSpikeFault.validate({ rate: 10, priority: 'critical' }, plain)).toEqual([
      { field: 'priority', text: '"critical" is not a priority; system notes has no priorities' },
    ]);
  });

  it("sends the system's own payload, with {tenant} filled in, to the endpoint named when there are several", () => {
    const poisoned = notes({
      tenants: { header: 'x-team', names: ['red', 'blue'] },
      poison: { 'GET /find': { q: 'crash:{tenant}' }, 'GET /tags/:tag': { tag: '{tenant}-loop' } },
    });
    expect(poisonPillFault.validate({ tenant: 'red', rate: 1 }, poisoned)).toEqual([
      { field: 'endpoint', text: 'is needed: system notes has poison payloads for GET /find, GET /tags/:tag' },
    ]);
    expect(poisonPillFault.validate({ tenant: 'red', rate: 1, endpoint: 'GET /tags/:tag' }, poisoned)).toEqual([]);
    expect(poisonPillFault.traffic?.({ tenant: 'blue', rate: 3, endpoint: 'GET /tags/:tag' }, poisoned)).toEqual({
      ratePerSecond: 3,
      tenants: { blue: 1 },
      mix: { 'GET /tags/:tag': 1 },
      params: { tag: 'blue-loop' },
    });
  });
});
