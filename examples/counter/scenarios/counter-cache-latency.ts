import { scenarioKit } from '../../../harness/define.ts';
import counter from '../system.ts';

const { defineScenario, faults, slo } = scenarioKit(counter);

// Injects: +500 ms on every answer from Redis to the api, for 8 s of a 20 s run at 20 req/s.
// Asserts: GET /hits keeps >= 99% answered (ok or degraded) and p99 <= 300 ms in every phase.
// Why: a slow cache must not make the page slow; with the 100 ms timeout the api answers without
//   the count (x-degraded) in ~100-200 ms; without it every visit waits the 500 ms.
export default defineScenario({
  name: 'counter-cache-latency',
  description: 'Redis answers 500 ms late for 8 s; visits must still be answered within 300 ms',
  load: { rate: 20, duration: '20s', mix: { 'GET /hits': 1 } },
  faults: [{ at: '6s', for: '8s', fault: faults.latency({ edge: 'api->cache', ms: 500 }) }],
  slos: [slo.availability({ endpoint: 'GET /hits', min: 0.99 }), slo.latency({ endpoint: 'GET /hits', p: 99, maxMs: 300 })],
  protectedBy: ['timeout'],
});
