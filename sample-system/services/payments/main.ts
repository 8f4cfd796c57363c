// The payments service: a simulated external payment provider, idempotent by key, slow and flaky
// on request (POST /admin/behaviour, or the env below). Internal only: the gateway has no route.
// Env: HOST, PORT, PAYMENTS_LATENCY_MS, PAYMENTS_JITTER_MS, PAYMENTS_FAILURE_RATE, PAYMENTS_SEED,
// REPLICA_ID, LOG_LEVEL.

import { configOrExit } from '../../shared/env.ts';
import { serve } from '../../shared/lifecycle.ts';
import { buildPayments } from './app.ts';
import { parsePaymentsConfig } from './config.ts';

const config = configOrExit(() => parsePaymentsConfig(process.env));
const { app } = buildPayments(config);
await serve({ app, host: config.host, port: config.port });
app.log.info({ behaviour: config.behaviour }, 'payments listening');
