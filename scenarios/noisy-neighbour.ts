import { scenarioKit } from '../harness/define.ts';
import shop from '../sample-system/system.ts';

const { defineScenario, faults, recoversWithin, slo } = scenarioKit(shop);

// Injects: tenant initech places 250 extra orders a second (POST /orders) 5-15 s of a 25 s run,
//   while the payments provider answers 150 ms late (as real providers do under load), on top of
//   40 req/s of product reads and orders spread over every tenant.
// Asserts: for acme and globex (initech may breach: blast radius by tenant, and the SLO checks
//   judge the other tenants), POST /orders stays >= 95% and GET /products/:id >= 98% answered, with
//   p99 <= 800 ms, in every phase and cell; orders hold their SLOs again within 5 s of the flood.
// Why: tenants share capacity: here the gateway's 32 concurrent calls into orders. At 250 req/s x
//   ~160 ms each, one tenant alone would hold ~40 of them, and everyone's orders would be refused
//   (503, bulkhead full). The per-tenant rate limit (50 req/s, sliding window in Redis, refused at
//   the edge with 429 + Retry-After, without a Redis call once a tenant is over it) keeps the
//   flood to ~8 calls in flight, and the other tenants never notice it.
export default defineScenario({
  name: 'noisy-neighbour',
  description: 'One tenant floods orders at 250 req/s while payments is slow; the per-tenant rate limit must keep the other tenants within their SLOs',
  load: { rate: 40, duration: '25s', mix: { 'GET /products/:id': 1, 'POST /orders': 1 }, params: { id: { int: [1, 50] } } },
  faults: [
    { at: '5s', for: '10s', fault: faults.noisyNeighbour({ tenant: 'initech', rate: 250, mix: { 'POST /orders': 1 } }) },
    { at: '5s', for: '10s', fault: faults.latency({ edge: 'orders->payments', ms: 150 }) },
  ],
  slos: [
    slo.availability({ endpoint: 'POST /orders', min: 0.95 }),
    slo.latency({ endpoint: 'POST /orders', p: 99, maxMs: 800 }),
    slo.availability({ endpoint: 'GET /products/:id', min: 0.98 }),
    slo.latency({ endpoint: 'GET /products/:id', p: 99, maxMs: 800 }),
  ],
  blastRadius: { tenants: ['initech'] },
  cascade: [recoversWithin('POST /orders', '5s')],
  protectedBy: ['rate-limit'],
});
