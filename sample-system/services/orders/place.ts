// Placing an order, the write path that must never lose or double an acknowledged order:
//
//   1. a replay of a confirmed key is answered from Redis, if Redis has it (else step 2 finds it)
//   2. the key and a pending order are written in one statement (or the key's order is found)
//   3. the payment is charged with the same key (retried safely: the provider dedupes by key)
//   4. the order is confirmed; only now is the answer 2xx
//
// Each step runs inside what is left of the request's time budget. A failure after step 2 leaves
// a pending order that the client's retry with the same key resumes, never a second order.

import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { isBrokenCircuit } from '../../resilience/breaker.ts';
import { BudgetSpentError, type GuardedDependency } from '../../resilience/dependency.ts';
import { isTimeout } from '../../resilience/timeout.ts';
import { QueryAbandonedError } from '../../shared/postgres.ts';
import type { OrdersCache } from './cache.ts';
import { PaymentFailedError, type PaymentsClient } from './payments-client.ts';
import { confirmOrder, createOrder, declineOrder, type NewOrder, type Order } from './store.ts';

export type PlaceResult =
  | { kind: 'placed'; order: Order; status: 200 | 201; replayed: boolean }
  | { kind: 'refused'; status: 402 | 404 | 422; error: string; message: string }
  | { kind: 'failed'; status: 502 | 503 | 504; error: string; message: string };

export interface PlaceDeps {
  pool: pg.Pool;
  postgres: GuardedDependency;
  payments: GuardedDependency;
  client: PaymentsClient;
  cache: OrdersCache | undefined;
  /** the idempotency pattern: dedupe by key, and only then retry writes and charges */
  idempotencyOn: boolean;
  limits: { postgresBudgetMs: number; paymentsBudgetMs: number };
  nowMs?: () => number;
}

export function failureOf(step: string, error: unknown): PlaceResult & { kind: 'failed' } {
  const message = `${step}: ${error instanceof Error ? error.message : String(error)}`;
  if (isBrokenCircuit(error)) return { kind: 'failed', status: 503, error: 'dependency_unavailable', message };
  if (isTimeout(error) || error instanceof BudgetSpentError || error instanceof QueryAbandonedError)
    return { kind: 'failed', status: 504, error: 'timeout', message };
  return { kind: 'failed', status: 502, error: 'dependency_failed', message };
}

export async function placeOrder(deps: PlaceDeps, input: NewOrder, budgetMs: number): Promise<PlaceResult> {
  const { pool, postgres, payments, client, cache, idempotencyOn, limits } = deps;
  const nowMs = deps.nowMs ?? Date.now;
  const endMs = nowMs() + budgetMs;
  const left = (ownMs: number): number => Math.min(ownMs, endMs - nowMs());
  const replayOf = (order: Order, requestHash: string): PlaceResult => {
    if (requestHash !== input.requestHash)
      return {
        kind: 'refused',
        status: 422,
        error: 'idempotency_key_reused',
        message: `idempotency key ${input.key} was used for a different order (${order.id})`,
      };
    if (order.status === 'declined') return { kind: 'refused', status: 402, error: 'payment_declined', message: `order ${order.id} was declined` };
    return { kind: 'placed', order, status: 200, replayed: true };
  };

  if (idempotencyOn && cache) {
    const cached = await cache.replay(input.key);
    if (cached !== undefined) return replayOf(cached.order, cached.requestHash);
  }

  let order: Order;
  let created: boolean;
  try {
    const result = await postgres.call((signal) => createOrder(pool, input, idempotencyOn, signal), {
      idempotent: idempotencyOn,
      budgetMs: left(limits.postgresBudgetMs),
    });
    if (result.kind === 'no-product') return { kind: 'refused', status: 404, error: 'not_found', message: `no product ${input.productId}` };
    if (result.kind === 'existing' && (result.order.status !== 'pending' || result.requestHash !== input.requestHash))
      return replayOf(result.order, result.requestHash);
    order = result.order;
    created = result.kind === 'created';
  } catch (error) {
    return failureOf('creating the order', error);
  }

  // without idempotency a retried charge could be a second charge: a fresh key per call, no retries
  const paymentKey = idempotencyOn ? input.key : `${input.key}:${randomUUID()}`;
  let paymentId: string;
  try {
    const charge = await payments.call((signal) => client.charge(paymentKey, { orderId: order.id, amountCents: order.amountCents }, signal), {
      idempotent: idempotencyOn,
      budgetMs: left(limits.paymentsBudgetMs),
    });
    paymentId = charge.id;
  } catch (error) {
    if (error instanceof PaymentFailedError && !error.transient) {
      await postgres
        .call((signal) => declineOrder(pool, order.id, signal), { idempotent: true, budgetMs: left(limits.postgresBudgetMs) })
        .catch(() => undefined);
      return { kind: 'refused', status: 402, error: 'payment_declined', message: error.message };
    }
    return failureOf('charging the payment', error);
  }

  try {
    const confirmed = await postgres.call((signal) => confirmOrder(pool, order.id, paymentId, signal), {
      idempotent: true,
      budgetMs: left(limits.postgresBudgetMs),
    });
    if (confirmed === undefined) return failureOf('confirming the order', new Error(`order ${order.id} vanished`));
    if (idempotencyOn) cache?.remember(input.key, { order: confirmed, requestHash: input.requestHash });
    cache?.countPurchase(confirmed.productId, confirmed.quantity);
    return { kind: 'placed', order: confirmed, status: created ? 201 : 200, replayed: !created };
  } catch (error) {
    return failureOf('confirming the order', error);
  }
}
