import { scenarioKit } from '../harness/define.ts';
import shop from '../sample-system/system.ts';

const { defineScenario, faults, recoversWithin, slo } = scenarioKit(shop);

// Injects: Redis frozen (SIGSTOP / docker pause) for the fault phase (4-6 s): every connection to it
//   stays open and nothing answers, the worst way for Redis to be out.
// Asserts: GET /products/:id, GET /recommendations and POST /orders each keep >= 98% answered
//   (the static recommendations list, x-degraded, counts) and p99 <= 500 ms in every phase and for
//   every tenant; they hold their SLOs again within 5 s.
// Why: Redis sits on the gateway's path to every request (the per-tenant rate limiter asks it
//   first). With a 50 ms timeout and a breaker on that call, the limiter counts in memory and the
//   gateway stays up; recommendations serve their static list. Without per-hop timeouts, every
//   request waits on a Redis that never answers and the whole shop stops.
export default defineScenario({
  name: 'redis-outage',
  description: 'Redis freezes for up to 6 s; the rate limiter must count in memory and the gateway stay up',
  load: { rate: 80, mix: { 'GET /products/:id': 0.6, 'GET /recommendations': 0.2, 'POST /orders': 0.2 }, params: { id: { int: [1, 50] } } },
  phases: { baseline: { min: '3s', max: '4s' }, fault: { min: '4s', max: '6s' }, recovery: { min: '5s', max: '6s' } },
  abortOnFail: true,
  faults: [{ fault: faults.pause({ part: 'redis' }) }],
  slos: [
    slo.availability({ endpoint: 'GET /products/:id', min: 0.98 }),
    slo.latency({ endpoint: 'GET /products/:id', p: 99, maxMs: 500 }),
    slo.availability({ endpoint: 'GET /recommendations', min: 0.98 }),
    slo.latency({ endpoint: 'GET /recommendations', p: 99, maxMs: 500 }),
    slo.availability({ endpoint: 'POST /orders', min: 0.98 }),
    slo.latency({ endpoint: 'POST /orders', p: 99, maxMs: 500 }),
  ],
  cascade: [recoversWithin('GET /products/:id', '5s')],
  protectedBy: ['timeout'],
});
