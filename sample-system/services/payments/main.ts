// The payments service: a simulated external payment provider, idempotent by key, slow and flaky
// on request (POST /admin/behaviour, or the env below). Internal only: the gateway has no route.
// Env: HOST, PORT, PAYMENTS_LATENCY_MS, PAYMENTS_JITTER_MS, PAYMENTS_FAILURE_RATE, PAYMENTS_SEED,
// REPLICA_ID, LOG_LEVEL.

import { configOrExit } from '../../shared/env.ts';
import { registerReadiness } from '../../shared/http.ts';
import { exitOnSignals } from '../../shared/shutdown.ts';
import { buildPayments } from './app.ts';
import { parsePaymentsConfig } from './config.ts';

const config = configOrExit(() => parsePaymentsConfig(process.env));
const { app } = buildPayments(config);
let stopping = false;
registerReadiness(app, () => !stopping);

exitOnSignals({
  log: app.log,
  close: async () => {
    stopping = true;
    await app.close();
  },
});

try {
  await app.listen({ host: config.host, port: config.port });
  app.log.info({ behaviour: config.behaviour }, 'payments listening');
} catch (error) {
  app.log.fatal({ err: error }, `cannot listen on ${config.host}:${config.port}: ${(error as Error).message}`);
  process.exit(1);
}
