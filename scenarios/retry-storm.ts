import { scenarioKit } from '../harness/define.ts';
import shop from '../sample-system/system.ts';

const { defineScenario, faults, recoversWithin, retryAmplification, slo } = scenarioKit(shop);

// Injects: the payments provider itself answers 40% of its charges with a fast 503, for the fault
//   phase (4-12 s: an open breaker lets few charges through, and the retries are counted on those)
//   at 50 req/s (an application-level failure: every attempt gets an answer, two in five "no").
// Asserts: orders make at most 1.35 tries per charge on payments while it is flaky (attempts /
//   first attempts, from the services' counters: an open breaker cutting charges off does not move
//   it); every acknowledged order is in Postgres once; POST /orders answers within p90 500 ms in
//   every phase, >= 95% before the fault, and holds its SLOs again within 5 s of the fault's end;
//   GET /products/:id (>= 99%, p99 <= 500 ms) holds in every cell (blast radius).
// Why: retries turn a partly failing dependency into more load on it: three tries per charge cost
//   1 + p + p^2 = 1.56 tries at p = 0.4, just when it is least able to take them. A retry budget
//   caps retries at ~10% of the calls (plus 1/s and a burst of 10): ~1.15-1.2 tries per charge here.
export default defineScenario({
  name: 'retry-storm',
  description: 'The payments provider fails 40% of charges for up to 12 s; the retry budget must keep retries from multiplying the calls on it',
  load: { rate: 50, mix: { 'POST /orders': 0.9, 'GET /products/:id': 0.1 }, params: { id: { int: [1, 100] } } },
  phases: { baseline: { min: '3s', max: '4s' }, fault: { min: '4s', max: '12s' }, recovery: { min: '5s', max: '6s' } },
  abortOnFail: true,
  faults: [{ fault: faults.flaky({ service: 'payments', failureRate: 0.4 }) }],
  slos: [
    slo.availability({ endpoint: 'POST /orders', min: 0.95, phases: ['baseline'] }),
    slo.latency({ endpoint: 'POST /orders', p: 90, maxMs: 500 }),
    slo.availability({ endpoint: 'GET /products/:id', min: 0.99 }),
    slo.latency({ endpoint: 'GET /products/:id', p: 99, maxMs: 500 }),
  ],
  blastRadius: { mayBreach: ['POST /orders'] },
  cascade: [recoversWithin('POST /orders', '5s'), retryAmplification({ dependency: 'payments', max: 1.35, per: 'call', phase: 'fault' })],
  protectedBy: ['retry-budget'],
});
