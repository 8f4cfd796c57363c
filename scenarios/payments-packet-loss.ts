import { scenarioKit } from '../harness/define.ts';
import shop from '../sample-system/system.ts';

const { defineScenario, faults, slo } = scenarioKit(shop);

// Injects: 17.5% loss of the payments provider's answers on orders->payments (each lost chunk is
//   an answer that never arrives: the charge was made, the caller never hears of it) for the fault
//   phase (4-10 s), at 60 req/s (45 orders a second).
// Asserts: POST /orders keeps >= 89% answered in every phase and tenant cell, p99 <= 900 ms;
//   every order the client saw acknowledged is in Postgres exactly once, confirmed (the after-run
//   data check);
//   GET /products/:id (>= 99%, p99 <= 500 ms) holds in every cell (blast radius).
// Why: on a lossy link a charge can succeed while its answer is lost. Retrying it is only safe
//   with the order's idempotency key (the provider answers a repeated key with the first charge);
//   with retries and keys ~92% of orders go through while the link loses a fifth of the answers
//   (the retry budget, a tenth of the calls plus 1/s, cannot retry them all), without them ~83%:
//   88% sits between the two. At 15% loss (until issue 15) the unprotected side measured 0.86-0.87,
//   too close to 0.88 for its failure to be decided on a few hundred orders.
export default defineScenario({
  name: 'payments-packet-loss',
  description:
    'The link to the payments provider loses 17.5% of its answers for up to 10 s; retried charges, deduplicated by key, must keep orders flowing and never doubled',
  load: { rate: 60, mix: { 'POST /orders': 3, 'GET /products/:id': 1 }, params: { id: { int: [1, 100] } } },
  phases: { baseline: { min: '3s', max: '4s' }, fault: { min: '4s', max: '10s' }, recovery: { min: '5s', max: '6s' } },
  abortOnFail: true,
  faults: [{ fault: faults.packetLoss({ edge: 'orders->payments', probability: 0.175 }) }],
  slos: [
    slo.availability({ endpoint: 'POST /orders', min: 0.89 }),
    slo.latency({ endpoint: 'POST /orders', p: 99, maxMs: 900 }),
    slo.availability({ endpoint: 'GET /products/:id', min: 0.99 }),
    slo.latency({ endpoint: 'GET /products/:id', p: 99, maxMs: 500 }),
  ],
  protectedBy: ['retry', 'idempotency'],
});
