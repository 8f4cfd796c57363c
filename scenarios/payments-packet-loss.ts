import { scenarioKit } from '../harness/define.ts';
import shop from '../sample-system/system.ts';

const { defineScenario, faults, slo } = scenarioKit(shop);

// Injects: 10% loss of the payments provider's answers on orders->payments (each lost chunk is
//   an answer that never arrives: the charge was made, the caller never hears of it) for the fault
//   phase (4-10 s), at 60 req/s (45 orders a second).
// Asserts: POST /orders keeps >= 96% answered in every phase and tenant cell, p99 <= 900 ms;
//   every order the client saw acknowledged is in Postgres exactly once, confirmed (the after-run
//   data check);
//   GET /products/:id (>= 99%, p99 <= 500 ms) holds in every cell (blast radius).
// Why: on a lossy link a charge can succeed while its answer is lost. Retrying it is only safe
//   with the order's idempotency key (the provider answers a repeated key with the first charge);
//   with retries and keys 99.4-99.6% of orders go through while the link loses a tenth of the
//   answers (the retry budget, a tenth of the calls plus 1/s, covers that), without them 90-92%:
//   96% sits between the two with room on both sides. Until issue 15 it was 15% loss against 88%:
//   the loss outran the budget, the unprotected side measured 0.86-0.87 (never a decided failure),
//   and at 17.5-20% the protected tenant cells dipped below the objective now and then.
export default defineScenario({
  name: 'payments-packet-loss',
  description:
    'The link to the payments provider loses 10% of its answers for up to 10 s; retried charges, deduplicated by key, must keep orders flowing and never doubled',
  load: { rate: 60, mix: { 'POST /orders': 3, 'GET /products/:id': 1 }, params: { id: { int: [1, 100] } } },
  phases: { baseline: { min: '3s', max: '4s' }, fault: { min: '4s', max: '10s' }, recovery: { min: '5s', max: '6s' } },
  abortOnFail: true,
  faults: [{ fault: faults.packetLoss({ edge: 'orders->payments', probability: 0.1 }) }],
  slos: [
    slo.availability({ endpoint: 'POST /orders', min: 0.96 }),
    slo.latency({ endpoint: 'POST /orders', p: 99, maxMs: 900 }),
    slo.availability({ endpoint: 'GET /products/:id', min: 0.99 }),
    slo.latency({ endpoint: 'GET /products/:id', p: 99, maxMs: 500 }),
  ],
  protectedBy: ['retry', 'idempotency'],
});
