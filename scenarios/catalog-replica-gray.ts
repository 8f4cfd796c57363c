import { scenarioKit } from '../harness/define.ts';
import shop from '../sample-system/system.ts';

const { defineScenario, faults, recoversWithin, slo } = scenarioKit(shop);

// Injects: catalog-2 frozen (SIGSTOP / docker pause) for the fault phase (6-10 s: the requests
//   lost before the replica is out of rotation are a fixed few, and need a long enough phase to be
//   a small share), then resumed: its port still accepts connections and its open connections
//   stay up, but it answers nothing.
// Asserts: GET /products/:id keeps >= 98% answered and p99 <= 500 ms (half the gateway's 1 s
//   timeout: almost no request waited on the frozen replica) in every phase and for every tenant
//   (blast radius) while one replica is frozen and after; its SLOs hold again within 5 s.
// Why: a frozen replica is a gray failure: it looks alive (connections open, no errors), it just
//   never answers, so every request sent to it waits out the gateway's 1 s timeout. The gateway
//   sends each request to the replica with the fewest calls in flight, so one stuck call steers
//   traffic away; a replica that finished no call for 300 ms is stalled and left out, its failing
//   health check keeps it out, and timeouts eject it.
//   Plain round robin sends every other request into the freeze (~50% errors, p99 ~ 1 s).
export default defineScenario({
  name: 'catalog-replica-gray',
  description: 'catalog-2 freezes for up to 10 s (nothing answers, connections stay open); the gateway must route around it',
  load: { rate: 80, mix: { 'GET /products/:id': 1 }, params: { id: { int: [1, 50] } } },
  phases: { baseline: { min: '3s', max: '4s' }, fault: { min: '6s', max: '10s' }, recovery: { min: '5s', max: '6s' } },
  abortOnFail: true,
  faults: [{ fault: faults.pause({ part: 'catalog-2' }) }],
  slos: [slo.availability({ endpoint: 'GET /products/:id', min: 0.98 }), slo.latency({ endpoint: 'GET /products/:id', p: 99, maxMs: 500 })],
  cascade: [recoversWithin('GET /products/:id', '5s')],
  protectedBy: ['outlier-ejection'],
});
