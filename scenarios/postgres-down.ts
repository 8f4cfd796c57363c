import { scenarioKit } from '../harness/define.ts';
import shop from '../sample-system/system.ts';

const { defineScenario, faults, recoversWithin, slo } = scenarioKit(shop);

// Injects: Postgres killed (SIGKILL, every backend with it) for the fault phase (4-6 s), then started
//   again on the same port and data dir (crash recovery).
// Asserts: GET /products/:id keeps >= 98% answered (degraded counts) and p99 <= 500 ms in every
//   phase and for every tenant; POST /orders fails fast while the database is gone (p99 <= 500 ms
//   in every phase; answered >= 95% in the baseline, and it may breach after: blastRadius.mayBreach);
//   every acknowledged order is in Postgres exactly once afterwards; both endpoints hold their
//   SLOs again within 5 s of the restart (orders waits ~1 s for its breaker to probe again).
// Why: a dead database must degrade the shop, not take it down. The catalog serves the last known
//   good copy from Redis (x-degraded); without that fallback every read fails (~99% errors). A dead
//   database refuses connections at once, so writes fail fast even without the breaker (measured:
//   --disable breaker still passes), which is why the breaker is not named here.
export default defineScenario({
  name: 'postgres-down',
  description: 'Postgres is killed for 10 s; reads must fall back to the stale cache and writes must fail fast, losing no acknowledged order',
  load: { rate: 80, mix: { 'GET /products/:id': 0.7, 'POST /orders': 0.3 }, params: { id: { int: [1, 30] } } },
  phases: { baseline: { min: '3s', max: '4s' }, fault: { min: '4s', max: '6s' }, recovery: { min: '5s', max: '7s' } },
  abortOnFail: true,
  faults: [{ fault: faults.kill({ part: 'postgres' }) }],
  slos: [
    slo.availability({ endpoint: 'GET /products/:id', min: 0.98 }),
    slo.latency({ endpoint: 'GET /products/:id', p: 99, maxMs: 500 }),
    slo.availability({ endpoint: 'POST /orders', min: 0.95, phases: ['baseline'] }),
    slo.latency({ endpoint: 'POST /orders', p: 99, maxMs: 500 }),
  ],
  blastRadius: { mayBreach: ['POST /orders'] },
  cascade: [recoversWithin('GET /products/:id', '5s'), recoversWithin('POST /orders', '5s')],
  protectedBy: ['fallback'],
});
