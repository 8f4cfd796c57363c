import { scenarioKit } from '../../../harness/define.ts';
import notes from '../system.ts';

const { defineScenario, faults, recoversWithin, slo } = scenarioKit(notes);

// Injects: Redis killed (SIGKILL / docker kill) for 12 s of a 30 s run, then started again, empty.
// Asserts: GET /notes/:id, GET /notes and POST /notes each keep >= 99% answered and p99 <= 300 ms
//   in every phase; note reads hold their SLOs again within 5 s of the restart.
// Why: Redis is the notes app's cache, not its store: every note is in Postgres. A dead Redis
//   refuses at once (the proxy in front of it closes every connection), so no timeout or retry
//   is what saves the reads here; what does is the app treating a Redis error as a cache miss and
//   dropping the failed cache write (cache-bypass). Without it every read that touches the cache
//   is a 500 (measured by hand: 0-0.3% answered); the list and writes never touch Redis and hold
//   either way, which the blast radius checks.
export default defineScenario({
  name: 'notes-cache-down',
  description: 'Redis is killed for 12 s; note reads must go on from Postgres, as cache misses',
  load: { rate: 45, duration: '30s', mix: { 'GET /notes/:id': 0.8, 'GET /notes': 0.1, 'POST /notes': 0.1 } },
  faults: [{ at: '8s', for: '12s', fault: faults.kill({ part: 'cache' }) }],
  slos: [
    slo.availability({ endpoint: 'GET /notes/:id', min: 0.99 }),
    slo.latency({ endpoint: 'GET /notes/:id', p: 99, maxMs: 300 }),
    slo.availability({ endpoint: 'GET /notes', min: 0.99 }),
    slo.latency({ endpoint: 'GET /notes', p: 99, maxMs: 300 }),
    slo.availability({ endpoint: 'POST /notes', min: 0.99 }),
    slo.latency({ endpoint: 'POST /notes', p: 99, maxMs: 300 }),
  ],
  cascade: [recoversWithin('GET /notes/:id', '5s')],
  protectedBy: ['cache-bypass'],
});
