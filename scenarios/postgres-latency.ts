import { scenarioKit } from '../harness/define.ts';
import shop from '../sample-system/system.ts';

const { defineScenario, breakerOpens, faults, recoversWithin, retryAmplification, slo } = scenarioKit(shop);

// Injects: 400 ms (±50 ms) on every answer from Postgres to the catalog, for the fault phase (4-6 s),
//   at 80 req/s.
// Asserts: GET /products/:id keeps >= 99% answered (ok or degraded) and p99 <= 300 ms in every
//   phase and for every tenant (blast radius): baseline, while Postgres is slow, and after; its
//   SLOs hold again within 5 s of the fault's removal; the catalog makes at most 1.5 Postgres calls
//   per request while Postgres is slow (retries do not pile onto a slow database), and the
//   catalog's breakers around Postgres really opened (at least once) while it was slow.
// Why: a slow database is the commonest gray failure. Without a per-hop timeout, a breaker and a
//   stale-cache fallback, every read waits on Postgres (p99 ~ 400 ms+) or fails; with them the
//   catalog fails fast to the last known good copy in Redis, marked x-degraded.
export default defineScenario({
  name: 'postgres-latency',
  description: 'Postgres answers 400 ms late for up to 6 s; product reads must fall back to the stale cache, fast',
  load: { rate: 80, mix: { 'GET /products/:id': 1 }, params: { id: { int: [1, 50] } } },
  phases: { baseline: { min: '3s', max: '4s' }, fault: { min: '4s', max: '6s' }, recovery: { min: '5s', max: '6s' } },
  abortOnFail: true,
  faults: [{ fault: faults.latency({ edge: 'catalog->postgres', ms: 400, jitterMs: 50 }) }],
  slos: [slo.availability({ endpoint: 'GET /products/:id', min: 0.99 }), slo.latency({ endpoint: 'GET /products/:id', p: 99, maxMs: 300 })],
  cascade: [
    recoversWithin('GET /products/:id', '5s'),
    retryAmplification({ dependency: 'postgres', max: 1.5, phase: 'fault' }),
    breakerOpens({ dependency: 'postgres', min: 1, phase: 'fault' }),
  ],
  protectedBy: ['breaker', 'fallback'],
});
