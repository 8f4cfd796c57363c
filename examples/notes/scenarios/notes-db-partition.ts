import { scenarioKit } from '../../../harness/define.ts';
import notes from '../system.ts';

const { defineScenario, faults, recoversWithin, slo } = scenarioKit(notes);

// Injects: a partition of app->db (its proxy disabled: open connections closed, every connect
//   refused) for 12 s of a 30 s run.
// Asserts: GET /notes/:id keeps >= 95% answered (ok or degraded) and p99 <= 300 ms in every
//   phase; its SLOs hold again within 5 s of the partition's end.
// Why: an unreachable database fails fast, so time is not the problem, answers are: the app
//   serves each note's last-known-good copy from Redis, marked x-degraded: stale-cache. Every
//   note gets that copy when the app starts, so notes the baseline never read are covered too.
//   Without the stale cache every read that misses the 5 s cache-aside copy is a 503 (measured
//   by hand: 15-18% answered).
export default defineScenario({
  name: 'notes-db-partition',
  description: 'The notes app cannot reach Postgres for 12 s; note reads must be answered from the stale cache',
  load: { rate: 45, duration: '30s', mix: { 'GET /notes/:id': 1 } },
  faults: [{ at: '8s', for: '12s', fault: faults.partition({ edge: 'app->db' }) }],
  slos: [slo.availability({ endpoint: 'GET /notes/:id', min: 0.95 }), slo.latency({ endpoint: 'GET /notes/:id', p: 99, maxMs: 300 })],
  cascade: [recoversWithin('GET /notes/:id', '5s')],
  protectedBy: ['stale-cache'],
});
