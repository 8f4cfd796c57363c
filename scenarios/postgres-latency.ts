import { defineScenario, faults, slo } from '../harness/define.ts';

// Injects: 400 ms (±50 ms) on every answer from Postgres to the catalog, for 20 s of a 50 s run.
// Asserts: GET /products/:id keeps >= 99% answered (ok or degraded) and p99 <= 300 ms in every
//   phase: baseline, while Postgres is slow, and after it recovers.
// Why: a slow database is the commonest gray failure. Without a per-hop timeout, a breaker and a
//   stale-cache fallback, every read waits on Postgres (p99 ~ 400 ms+) or fails; with them the
//   catalog fails fast to the last known good copy in Redis, marked x-degraded.
export default defineScenario({
  name: 'postgres-latency',
  description: 'Postgres answers 400 ms late for 20 s; product reads must fall back to the stale cache, fast',
  load: { rate: 50, duration: '50s', mix: { 'GET /products/:id': 1 }, productIds: 100 },
  faults: [{ at: '15s', for: '20s', fault: faults.latency({ edge: 'catalog->postgres', ms: 400, jitterMs: 50 }) }],
  slos: [
    slo.availability({ endpoint: 'GET /products/:id', min: 0.99 }),
    slo.latency({ endpoint: 'GET /products/:id', p: 99, maxMs: 300 }),
  ],
  protectedBy: ['breaker', 'fallback'],
});
