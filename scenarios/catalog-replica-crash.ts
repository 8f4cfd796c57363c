import { scenarioKit } from '../harness/define.ts';
import shop from '../sample-system/system.ts';

const { defineScenario, faults, recoversWithin, slo } = scenarioKit(shop);

// Injects: catalog-2 killed (SIGKILL) for the fault phase (6-10 s, ended once its checks are decided;
//   the requests lost before the replica is out of rotation are a fixed few, and a shorter fault
//   phase made them 2% of a tenant's cell), then
//   started again; 80 req/s.
// Asserts: GET /products/:id keeps >= 98% answered and p99 <= 500 ms (half the gateway's 1 s
//   timeout: failover is fast, with margin for a busy machine) in every phase and for every tenant
//   (blast radius), while one of the two catalog replicas is dead and after it is back; its SLOs
//   hold again within 5 s of the restart.
// Why: a crashed replica is the commonest failure there is. The gateway balances over the replicas
//   itself: health checks take the dead one out of rotation within a second and five failed calls
//   in a row eject it at once, so only the few requests sent before that fail. Plain round robin
//   keeps sending every other request to the dead replica (~50% errors).
export default defineScenario({
  name: 'catalog-replica-crash',
  description: 'catalog-2 is killed for up to 10 s; the gateway must take it out of rotation and keep product reads available',
  load: { rate: 80, mix: { 'GET /products/:id': 1 }, params: { id: { int: [1, 50] } } },
  phases: { baseline: { min: '3s', max: '4s' }, fault: { min: '6s', max: '10s' }, recovery: { min: '5s', max: '6s' } },
  abortOnFail: true,
  faults: [{ fault: faults.kill({ part: 'catalog-2' }) }],
  slos: [slo.availability({ endpoint: 'GET /products/:id', min: 0.98 }), slo.latency({ endpoint: 'GET /products/:id', p: 99, maxMs: 500 })],
  cascade: [recoversWithin('GET /products/:id', '5s')],
  protectedBy: ['outlier-ejection'],
});
