// The orders service's queries. Every write is idempotent by key, so a retried attempt whose
// first try did commit finds its own row instead of making a second one:
//   createOrder  inserts the key and the order in one statement, or finds the key's order
//   confirmOrder sets status and payment id (the same values again on a retry)

import type pg from 'pg';
import { queryRows } from '../../shared/postgres.ts';

export type OrderStatus = 'pending' | 'confirmed' | 'declined';

export interface Order {
  id: number;
  idempotencyKey: string;
  tenant: string;
  productId: number;
  quantity: number;
  amountCents: number;
  status: OrderStatus;
  paymentId: string | null;
  createdAt: string;
}

export interface NewOrder {
  key: string;
  requestHash: string;
  tenant: string;
  productId: number;
  quantity: number;
}

export type Created = { kind: 'created'; order: Order } | { kind: 'existing'; order: Order; requestHash: string } | { kind: 'no-product' };

interface OrderRow {
  id: string;
  idempotency_key: string;
  tenant: string;
  product_id: number;
  quantity: number;
  amount_cents: string;
  status: OrderStatus;
  payment_id: string | null;
  created_at: Date;
  request_hash?: string;
}

const COLUMNS = 'o.id, o.idempotency_key, o.tenant, o.product_id, o.quantity, o.amount_cents, o.status, o.payment_id, o.created_at';

function toOrder(row: OrderRow): Order {
  return {
    id: Number(row.id),
    idempotencyKey: row.idempotency_key,
    tenant: row.tenant,
    productId: row.product_id,
    quantity: row.quantity,
    amountCents: Number(row.amount_cents),
    status: row.status,
    paymentId: row.payment_id,
    createdAt: row.created_at.toISOString(),
  };
}

// The key row and the order row commit together or not at all; a second writer of the same key
// waits on the primary key, then inserts nothing. No product: nothing is inserted at all.
const INSERT_WITH_KEY = `
WITH p AS (SELECT price_cents FROM products WHERE id = $3::int),
k AS (INSERT INTO idempotency_keys (key, request_hash) SELECT $1::text, $2::text FROM p ON CONFLICT (key) DO NOTHING RETURNING key)
INSERT INTO orders AS o (idempotency_key, tenant, product_id, quantity, amount_cents)
SELECT k.key, $4::text, $3::int, $5::int, p.price_cents::bigint * $5::int FROM k, p
RETURNING ${COLUMNS}`;

const BY_KEY = `
SELECT ${COLUMNS}, k.request_hash FROM idempotency_keys k JOIN orders o ON o.idempotency_key = k.key
WHERE k.key = $1 ORDER BY o.id LIMIT 1`;

// Without the idempotency pattern: one new order per attempt, whatever the key says.
const INSERT_WITHOUT_KEY = `
INSERT INTO orders AS o (idempotency_key, tenant, product_id, quantity, amount_cents)
SELECT $1::text, $3::text, $2::int, $4::int, price_cents::bigint * $4::int FROM products WHERE id = $2::int
RETURNING ${COLUMNS}`;

export async function createOrder(pool: pg.Pool, order: NewOrder, idempotent: boolean, signal: AbortSignal): Promise<Created> {
  if (!idempotent) {
    const rows = await queryRows<OrderRow>(pool, INSERT_WITHOUT_KEY, [order.key, order.productId, order.tenant, order.quantity], signal);
    return rows[0] === undefined ? { kind: 'no-product' } : { kind: 'created', order: toOrder(rows[0]) };
  }
  const inserted = await queryRows<OrderRow>(pool, INSERT_WITH_KEY, [order.key, order.requestHash, order.productId, order.tenant, order.quantity], signal);
  if (inserted[0] !== undefined) return { kind: 'created', order: toOrder(inserted[0]) };
  const found = await queryRows<OrderRow>(pool, BY_KEY, [order.key], signal);
  if (found[0] === undefined) return { kind: 'no-product' };
  return { kind: 'existing', order: toOrder(found[0]), requestHash: found[0].request_hash ?? '' };
}

export async function confirmOrder(pool: pg.Pool, id: number, paymentId: string, signal: AbortSignal): Promise<Order | undefined> {
  const rows = await queryRows<OrderRow>(
    pool,
    `UPDATE orders AS o SET status = 'confirmed', payment_id = $2, confirmed_at = coalesce(confirmed_at, now()) WHERE id = $1 RETURNING ${COLUMNS}`,
    [id, paymentId],
    signal,
  );
  return rows[0] === undefined ? undefined : toOrder(rows[0]);
}

export async function declineOrder(pool: pg.Pool, id: number, signal: AbortSignal): Promise<void> {
  await queryRows(pool, `UPDATE orders SET status = 'declined' WHERE id = $1 AND status = 'pending'`, [id], signal);
}

export async function orderById(pool: pg.Pool, id: number, signal: AbortSignal): Promise<Order | undefined> {
  const rows = await queryRows<OrderRow>(pool, `SELECT ${COLUMNS} FROM orders o WHERE o.id = $1`, [id], signal);
  return rows[0] === undefined ? undefined : toOrder(rows[0]);
}
