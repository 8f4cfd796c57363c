// The recommendations service: `GET /recommendations`, Redis-backed and non-critical — it degrades
// to a static list, marked x-degraded, and stays ready while Redis is down.
// Env: HOST, PORT, REDIS_URL, RESILIENCE_DISABLE, REPLICA_ID, LOG_LEVEL.

import { configOrExit } from '../../shared/env.ts';
import { serve } from '../../shared/lifecycle.ts';
import { closeRedis } from '../../shared/redis.ts';
import { buildRecommendations } from './app.ts';
import { parseRecommendationsConfig } from './config.ts';

const config = configOrExit(() => parseRecommendationsConfig(process.env));
const { app, redis, seed } = buildRecommendations(config);
// Redis is not needed to answer (the static list is), so it is not part of readiness
const { isStopping } = await serve({ app, host: config.host, port: config.port, close: () => closeRedis(redis) });
app.log.info({ disabled: [...config.disabled] }, 'recommendations listening');

// Seed the ranking once Redis answers; until then the static list is served anyway.
for (let attempt = 1; !isStopping(); attempt++) {
  try {
    await seed();
    break;
  } catch {
    await new Promise((resolve) => setTimeout(resolve, Math.min(250 * attempt, 2000)));
  }
}
