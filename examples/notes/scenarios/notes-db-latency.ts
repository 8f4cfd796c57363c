import { scenarioKit } from '../../../harness/define.ts';
import notes from '../system.ts';

const { defineScenario, faults, recoversWithin, slo } = scenarioKit(notes);

// Injects: 400 ms (±50 ms) on every answer from Postgres to the notes app (edge app->db), for
//   12 s of a 30 s run.
// Asserts: GET /notes/:id keeps >= 99% answered (ok or degraded) and p99 <= 300 ms in every phase:
//   before, while Postgres is slow, and after; its SLOs hold again within 5 s of the removal.
// Why: a slow database must cost a read its time budget, not its answer. With a 150 ms budget on
//   every Postgres call the app gives up early and answers the note's last-known-good copy from
//   Redis, marked x-degraded: stale-cache (measured by hand: 100% answered, p99 162 ms). Without
//   the timeout every read waits for Postgres (p99 ~1.2 s: a new connection costs several slow
//   round trips); without the stale cache the timed-out reads are 504s (16-18% answered).
export default defineScenario({
  name: 'notes-db-latency',
  description: 'Postgres answers 400 ms late for 12 s; note reads must time out early and answer their last-known-good copy',
  load: { rate: 45, duration: '30s', mix: { 'GET /notes/:id': 1 } },
  faults: [{ at: '8s', for: '12s', fault: faults.latency({ edge: 'app->db', ms: 400, jitterMs: 50 }) }],
  slos: [slo.availability({ endpoint: 'GET /notes/:id', min: 0.99 }), slo.latency({ endpoint: 'GET /notes/:id', p: 99, maxMs: 300 })],
  cascade: [recoversWithin('GET /notes/:id', '5s')],
  protectedBy: ['timeout', 'stale-cache'],
});
