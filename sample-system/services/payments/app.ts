// The payments provider: a simulated external service that charges once per idempotency key.
// A charge is recorded before the (simulated) slow answer goes out, so a caller that times out
// may have been charged: only retrying with the same key is safe, and that is what the key is for.
// A failure (failureRate) answers 503 before anything is charged.

import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
import { Counter, Gauge } from 'prom-client';
import { createServiceApp, IDEMPOTENCY_KEY_HEADER } from '../../shared/http.ts';
import { type Behaviour, behaviourProblems, decide, seededRandom } from './behaviour.ts';
import type { PaymentsConfig } from './config.ts';

export interface Charge {
  id: string;
  key: string;
  orderId: number | null;
  amountCents: number;
  createdAt: string;
}

export interface PaymentsStats {
  requests: number;
  charged: number;
  replayed: number;
  failed: number;
}

/** Charges kept for replay; the oldest are forgotten past this (a real provider keeps keys ~24 h). */
export const MAX_REMEMBERED_CHARGES = 200_000;
const KEY_PATTERN = /^[A-Za-z0-9_.:-]{1,128}$/;

export interface Payments {
  app: FastifyInstance;
  stats(): PaymentsStats;
}

export function buildPayments(config: PaymentsConfig): Payments {
  const { app, registry } = createServiceApp({ service: 'payments', replicaId: config.replicaId, logLevel: config.logLevel });
  const random = config.seed === undefined ? Math.random : seededRandom(config.seed);
  let behaviour: Behaviour = { ...config.behaviour };
  const charges = new Map<string, Charge>();
  const stats: PaymentsStats = { requests: 0, charged: 0, replayed: 0, failed: 0 };
  let nextId = 1;
  const results = new Counter({
    name: 'payments_total',
    help: 'Payment requests by result (charged|replayed|failed|rejected)',
    labelNames: ['result'],
    registers: [registry],
  });
  new Gauge({
    name: 'payments_remembered_keys',
    help: 'Idempotency keys remembered for replay',
    registers: [registry],
    collect() {
      this.set(charges.size);
    },
  });

  app.post<{ Body: { orderId?: unknown; amountCents?: unknown } }>('/payments', async (request, reply) => {
    stats.requests++;
    const key = request.headers[IDEMPOTENCY_KEY_HEADER];
    const body = request.body ?? {};
    if (typeof key !== 'string' || !KEY_PATTERN.test(key)) {
      results.inc({ result: 'rejected' });
      return reply.code(400).send({ error: 'bad_request', message: `${IDEMPOTENCY_KEY_HEADER} is required: 1..128 of [A-Za-z0-9_.:-]` });
    }
    const { amountCents, orderId } = body;
    if (typeof amountCents !== 'number' || !Number.isInteger(amountCents) || amountCents < 0) {
      results.inc({ result: 'rejected' });
      return reply.code(400).send({ error: 'bad_request', message: 'amountCents must be a whole number >= 0' });
    }
    const decision = decide(behaviour, random);
    const existing = charges.get(key);
    if (existing !== undefined) {
      if (existing.amountCents !== amountCents) {
        results.inc({ result: 'rejected' });
        return reply.code(422).send({ error: 'idempotency_key_reused', message: `key ${key} was used for ${existing.amountCents} cents, not ${amountCents}` });
      }
      await sleep(decision.delayMs);
      stats.replayed++;
      results.inc({ result: 'replayed' });
      return reply.header('idempotent-replayed', 'true').send(existing);
    }
    if (decision.fail) {
      await sleep(decision.delayMs);
      stats.failed++;
      results.inc({ result: 'failed' });
      return reply.code(503).send({ error: 'provider_unavailable', message: 'the provider failed this request (simulated); nothing was charged' });
    }
    const charge: Charge = {
      id: `pay_${nextId++}`,
      key,
      orderId: typeof orderId === 'number' ? orderId : null,
      amountCents,
      createdAt: new Date().toISOString(),
    };
    charges.set(key, charge);
    if (charges.size > MAX_REMEMBERED_CHARGES) charges.delete(charges.keys().next().value as string);
    stats.charged++;
    results.inc({ result: 'charged' });
    await sleep(decision.delayMs);
    return reply.code(201).send(charge);
  });

  app.get('/admin/behaviour', async () => behaviour);
  app.post('/admin/behaviour', async (request, reply) => {
    const problems = behaviourProblems(request.body);
    if (problems.length > 0) return reply.code(400).send({ error: 'bad_request', message: problems.join('; ') });
    behaviour = { ...behaviour, ...(request.body as Partial<Behaviour>) };
    request.log.info({ behaviour }, 'behaviour changed');
    return behaviour;
  });
  app.get('/admin/stats', async () => stats);

  return { app, stats: () => ({ ...stats }) };
}
