// The notes service, declared for faultline: a Python (Flask, waitress) app on Postgres and Redis,
// written in its own style and knowing nothing of faultline. On docker it boots from its
// docker-compose.yml, with Toxiproxy answering as `db` and `cache`; on the local runtime the
// harness runs Debian's Python (`/usr/bin/python3`, which has python3-flask, -psycopg2, -redis and
// -waitress; a pyenv python3 earlier on PATH would not) on app.py in this folder and passes the
// edges' addresses in its environment. It serves no metrics, on purpose.

import { defineSystem } from '../../harness/system/define.ts';

export default defineSystem({
  name: 'notes',
  description: 'a notes service in Python: Flask on waitress, Postgres as its store, Redis as a cache-aside and last-known-good cache',
  compose: 'docker-compose.yml',
  parts: {
    app: {
      kind: 'service',
      command: ['/usr/bin/python3', 'app.py'],
      port: 8000,
      env: {
        HOST: '{{host}}',
        PORT: '{{port}}',
        DATABASE_URL: 'postgres://faultline@{{edge "app->db"}}/faultline',
        REDIS_URL: 'redis://{{edge "app->cache"}}/0',
      },
      // 200 once the table is created and seeded and every note has its last-known-good copy;
      // 503 (while it keeps answering) as long as Postgres is not there yet. The body names its pid.
      readiness: { http: '/health', pid: true },
    },
    db: { kind: 'postgres' },
    cache: { kind: 'redis' },
  },
  edges: ['app->db', 'app->cache'],
  entry: 'app',
  endpoints: {
    // notes 1..200 are seeded at start, each with a last-known-good copy in Redis
    'GET /notes/:id': { path: '/notes/{id}', params: { id: { int: [1, 200] } } },
    'GET /notes': { path: '/notes?limit=20' },
    'POST /notes': {
      path: '/notes',
      params: { n: { int: [1, 1_000_000] } },
      body: { title: 'load note {n}', body: 'written by faultline' },
      creates: { locationPrefix: '/notes/' },
    },
  },
  degraded: { header: 'x-degraded' },
  switches: {
    env: 'RESILIENCE_OFF',
    patterns: {
      timeout: 'a Postgres call (connect, query, retry) gets 150 ms; a Redis call 50 ms',
      'stale-cache': 'when Postgres fails or times out, a note is read from its last-known-good copy in Redis (x-degraded: stale-cache)',
      retry: 'a call that failed on a broken connection is tried once more on a new one, after a short backoff',
      'cache-bypass': 'a Redis error or timeout is a cache miss: reads go on to Postgres',
    },
  },
});
