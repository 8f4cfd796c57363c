import { scenarioKit } from '../harness/define.ts';
import shop from '../sample-system/system.ts';

const { defineScenario, faults, recoversWithin, slo } = scenarioKit(shop);

// Injects: a black hole on orders->payments (the payments provider's answers never arrive; the
//   requests still do) for the fault phase (4-6 s), at 80 req/s.
// Asserts: POST /orders answers fast even while it cannot succeed: p90 <= 500 ms in every phase
//   (its availability may breach during the fault: blastRadius.mayBreach) and >= 95% before (a
//   cold pool may time out a first order or two); its SLOs hold again within 5 s of the fault's
//   end; GET /products/:id (>= 99%, p99 <= 500 ms) holds in every cell (blast radius).
// Why: a dependency that accepts requests and never answers is worse than one that is down: every
//   caller waits. Per-attempt timeouts and a time budget bound each charge; the breaker then fails
//   the rest fast (503) instead of tying up a request per order. Without them every order hangs
//   until the client gives up (2 s) and the orders service piles up waiting requests.
export default defineScenario({
  name: 'payments-blackhole',
  description: 'The payments provider swallows every answer for up to 6 s; orders must fail fast, not hang, and reads must not notice',
  load: { rate: 80, mix: { 'POST /orders': 1, 'GET /products/:id': 1 }, params: { id: { int: [1, 100] } } },
  phases: { baseline: { min: '3s', max: '4s' }, fault: { min: '4s', max: '6s' }, recovery: { min: '5s', max: '6s' } },
  abortOnFail: true,
  faults: [{ fault: faults.blackhole({ edge: 'orders->payments' }) }],
  slos: [
    slo.availability({ endpoint: 'POST /orders', min: 0.95, phases: ['baseline'] }),
    slo.latency({ endpoint: 'POST /orders', p: 90, maxMs: 500 }),
    slo.availability({ endpoint: 'GET /products/:id', min: 0.99 }),
    slo.latency({ endpoint: 'GET /products/:id', p: 99, maxMs: 500 }),
  ],
  blastRadius: { mayBreach: ['POST /orders'] },
  cascade: [recoversWithin('POST /orders', '5s')],
  protectedBy: ['timeout', 'breaker'],
});
