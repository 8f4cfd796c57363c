// The typed scenario kit: a scenario written with scenarioKit(system) names its system, and the type
// checker (npm test runs tsc) refuses names the system does not declare. Each @ts-expect-error
// below must stay an error: tsc fails on an unused one.

import { describe, expect, it } from 'vitest';
import { scenarioKit } from '../../harness/define.ts';
import shop from '../../sample-system/system.ts';

const { defineScenario, faults, slo, recoversWithin, breakerOpens } = scenarioKit(shop);

describe('scenarioKit', () => {
  it("names the system and hands back define.ts's own factories", () => {
    const scenario = defineScenario({
      name: 'kit',
      description: 'a typed scenario',
      load: { rate: 10, duration: '10s', mix: { 'GET /products/:id': 1 }, tenants: { acme: 1 } },
      faults: [{ at: '2s', for: '2s', fault: faults.latency({ edge: 'gateway->catalog-2', ms: 10 }) }],
      slos: [slo.availability({ endpoint: 'GET /products/:id', min: 0.9, priority: 'critical' })],
      cascade: [recoversWithin('GET /products/:id', '5s'), breakerOpens({ dependency: 'postgres', min: 1 })],
      protectedBy: ['breaker'],
    });
    expect(scenario.system).toBe('shop');
    expect(scenario.faults[0]?.fault).toEqual({ kind: 'latency', params: { edge: 'gateway->catalog-2', ms: 10 } });
    expect(scenario.slos[0]).toEqual({ kind: 'availability', endpoint: 'GET /products/:id', min: 0.9, priority: 'critical' });
  });

  it('refuses, at type-check time, names the system does not declare', () => {
    // @ts-expect-error: "catalog->postgress" is not an edge of the shop
    faults.latency({ edge: 'catalog->postgress', ms: 1 });
    // @ts-expect-error: "cache" is not a part of the shop
    faults.kill({ part: 'cache' });
    // @ts-expect-error: "umbrella" is not a tenant of the shop
    faults.noisyNeighbour({ tenant: 'umbrella', rate: 1 });
    // @ts-expect-error: "GET /checkout" is not an endpoint of the shop
    slo.availability({ endpoint: 'GET /checkout', min: 0.9 });
    // @ts-expect-error: "mysql" is called by no edge of the shop
    breakerOpens({ dependency: 'mysql', min: 1 });
    const wrong = (): unknown =>
      defineScenario({
        name: 'x',
        description: 'x',
        load: { rate: 1, duration: '1s', mix: { 'GET /products/:id': 1 } },
        faults: [],
        slos: [],
        // @ts-expect-error: "brakes" is not one of the shop's patterns
        protectedBy: ['brakes'],
      });
    expect(typeof wrong).toBe('function');
  });
});
