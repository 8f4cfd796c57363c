// The README's two-part system: a Flask counter (app.py) and the Redis it counts in.
import { defineSystem } from '../../harness/system/define.ts';

export default defineSystem({
  name: 'counter',
  parts: {
    api: {
      kind: 'service',
      command: ['/usr/bin/python3', 'app.py'],
      port: 8000,
      env: { HOST: '{{host}}', PORT: '{{port}}', REDIS_URL: 'redis://{{edge "api->cache"}}/0' },
      readiness: { http: '/health' },
    },
    cache: { kind: 'redis' },
  },
  edges: ['api->cache'],
  entry: 'api',
  endpoints: { 'GET /hits': { path: '/hits' } },
  degraded: { header: 'x-degraded' },
  switches: { env: 'OFF', patterns: { timeout: 'Redis calls time out after 100 ms; the answer is then served without the count' } },
});
