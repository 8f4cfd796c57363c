// Reads, after a run, what Postgres holds for the idempotency keys the load generator saw
// acknowledged: one small query over the orders table, through the orders->postgres edge (its
// faults are removed by then), which both runtimes publish on loopback.

import pg from 'pg';
import type { StartedStack } from '../runtime/types.ts';
import { PG_DATABASE, PG_USER } from '../runtime/postgres.ts';
import { assertLoopback } from '../safety.ts';
import type { OrderRows } from '../verdict/orders.ts';

export const ORDERS_EDGE = 'orders->postgres';

export async function orderRowsFor(stack: StartedStack, keys: readonly string[], timeoutMs = 10_000): Promise<OrderRows[]> {
  const edge = stack.edges[ORDERS_EDGE];
  if (edge === undefined) throw new Error(`the stack has no ${ORDERS_EDGE} edge to read the orders through`);
  const [host, port] = edge.listen.split(':');
  assertLoopback(`postgres://${edge.listen}`, 'the orders database');
  const client = new pg.Client({ host, port: Number(port), user: PG_USER, database: PG_DATABASE, connectionTimeoutMillis: timeoutMs, statement_timeout: timeoutMs, application_name: 'faultline-check' });
  client.on('error', () => undefined); // a broken connection surfaces as the query's rejection
  await client.connect();
  try {
    const { rows } = await client.query<{ key: string; ids: string[]; confirmed: string }>(
      `SELECT idempotency_key AS key, array_agg(id ORDER BY id)::text[] AS ids, count(*) FILTER (WHERE status = 'confirmed') AS confirmed
       FROM orders WHERE idempotency_key = ANY($1::text[]) GROUP BY idempotency_key`,
      [keys],
    );
    return rows.map((r) => ({ key: r.key, ids: r.ids.map(Number), confirmed: Number(r.confirmed) }));
  } finally {
    await client.end().catch(() => undefined);
  }
}
