import { scenarioKit } from '../harness/define.ts';
import shop from '../sample-system/system.ts';

const { defineScenario, faults, recoversWithin, retryAmplification, slo } = scenarioKit(shop);

// Injects: the payments provider itself answers 40% of its charges with a fast 503, for the fault
//   phase (4-12 s) at 50 req/s (an application-level failure: every attempt gets an answer, two in
//   five "no"). Orders' breaker on payments opens after 10 failed attempts in a row, which at 40%
//   starts about once in 10,000 attempts: the charges keep flowing, and the retries are counted
//   on ~500 of them.
// Asserts: orders make at most 1.35 tries per charge on payments while it is flaky (attempts /
//   first attempts, from the services' counters); every acknowledged order is in Postgres once;
//   POST /orders answers within p90 500 ms in every phase, >= 95% before the fault, and holds its
//   SLOs again within 5 s of the fault's end; GET /products/:id (>= 99%, p99 <= 500 ms) holds in
//   every cell (blast radius).
// Why: retries turn a partly failing dependency into more load on it: three tries per charge cost
//   1 + p + p^2 = 1.56 tries at p = 0.4, just when it is least able to take them. A retry budget
//   caps retries at ~10% of the calls (plus 1/s and a burst of 10): ~1.14 tries per charge here.
//   With the breaker at 5 in a row (until session 10) it opened 1-6 times a fault; at 6, ~20-70
//   charges got through in 12 s, the budget's 1/s and burst of 10 were spread over those, and
//   1.36-1.64 was measured on a protected system (a run in five failed).
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
