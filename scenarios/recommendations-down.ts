import { scenarioKit } from '../harness/define.ts';
import shop from '../sample-system/system.ts';

const { defineScenario, faults, recoversWithin, slo } = scenarioKit(shop);

// Injects: a partition of gateway->recommendations (its proxy disabled: every connect refused) for
//   the fault phase (4-6 s), at 80 req/s.
// Asserts: GET /recommendations keeps >= 99% answered (ok or degraded) and p99 <= 300 ms in every
//   phase and for every tenant, its SLOs hold again within 3 s of the partition's end; GET
//   /products/:id, which never touches recommendations, holds >= 99% and p99 <= 500 ms in every
//   cell (blast radius).
// Why: recommendations are garnish, not the meal. When the service is unreachable the gateway must
//   answer a static best-seller list (x-degraded: static-list) at once instead of an error page;
//   without that fallback every recommendations request is a 502.
export default defineScenario({
  name: 'recommendations-down',
  description: 'The recommendations service is unreachable for up to 6 s; the gateway must serve its static list, marked degraded, and nothing else may suffer',
  load: { rate: 80, mix: { 'GET /recommendations': 1, 'GET /products/:id': 1 }, params: { id: { int: [1, 100] } } },
  phases: { baseline: { min: '3s', max: '4s' }, fault: { min: '4s', max: '6s' }, recovery: { min: '5s', max: '6s' } },
  abortOnFail: true,
  faults: [{ fault: faults.partition({ edge: 'gateway->recommendations' }) }],
  slos: [
    slo.availability({ endpoint: 'GET /recommendations', min: 0.99 }),
    slo.latency({ endpoint: 'GET /recommendations', p: 99, maxMs: 300 }),
    slo.availability({ endpoint: 'GET /products/:id', min: 0.99 }),
    slo.latency({ endpoint: 'GET /products/:id', p: 99, maxMs: 500 }),
  ],
  cascade: [recoversWithin('GET /recommendations', '3s')],
  protectedBy: ['fallback'],
});
