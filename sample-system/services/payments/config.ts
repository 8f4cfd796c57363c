// The payments provider's environment contract, read once at start.

import { type Env, readEnv } from '../../shared/env.ts';
import { type Behaviour, behaviourProblems } from './behaviour.ts';

export interface PaymentsConfig {
  host: string;
  port: number;
  behaviour: Behaviour;
  /** undefined: Math.random */
  seed: number | undefined;
  replicaId: string;
  logLevel: string;
}

export function parsePaymentsConfig(env: Env): PaymentsConfig {
  return readEnv('payments', env, (r) => {
    const number = (name: string, fallback: number): number => {
      const raw = env[name]?.trim();
      return raw === undefined || raw === '' ? fallback : Number(raw);
    };
    const behaviour: Behaviour = {
      latencyMs: number('PAYMENTS_LATENCY_MS', 5),
      jitterMs: number('PAYMENTS_JITTER_MS', 0),
      failureRate: number('PAYMENTS_FAILURE_RATE', 0),
    };
    r.check(
      'PAYMENTS_*',
      () => {
        const problems = behaviourProblems(behaviour);
        if (problems.length > 0) throw new Error(`PAYMENTS_LATENCY_MS/JITTER_MS/FAILURE_RATE: ${problems.join('; ')}`);
      },
      undefined,
    );
    return {
      host: r.string('HOST', '127.0.0.1'),
      port: r.port('PORT'),
      behaviour,
      seed: env.PAYMENTS_SEED?.trim() ? r.positiveInt('PAYMENTS_SEED', 1) : undefined,
      replicaId: r.string('REPLICA_ID', 'payments-1'),
      logLevel: r.string('LOG_LEVEL', 'info'),
    };
  });
}
