// The data check of a run with writes: every order the load generator saw acknowledged (a 2xx to
// POST /orders) is in Postgres exactly once — not lost, not doubled, and under the order id the
// client was given. The judgement is pure (acknowledgements and rows in, one check out); the rows
// are read after the load through the orders->postgres edge. The shop declares it in system.ts.

import pg from 'pg';
import type { SystemCheck } from '../../harness/system/define.ts';
import type { CheckResult } from '../../harness/types.ts';

export interface Acknowledgement {
  /** the idempotency key the client sent */
  key: string;
  /** the order id from the answer's Location, null when the answer carried none */
  orderId: number | null;
}

/** Postgres' rows for one idempotency key. */
export interface OrderRows {
  key: string;
  /** ids of every order row with this key */
  ids: number[];
  /** how many of them are confirmed */
  confirmed: number;
}

export interface OrderProblem {
  key: string;
  problem: 'lost' | 'doubled' | 'unconfirmed' | 'other-id';
  detail: string;
}

/** What is wrong with each acknowledged order, in key order; empty when all are there once. */
export function orderProblems(acks: readonly Acknowledgement[], rows: readonly OrderRows[]): OrderProblem[] {
  const found = new Map(rows.map((r) => [r.key, r]));
  const ackedIds = new Map<string, Set<number | null>>();
  for (const a of acks) ackedIds.set(a.key, (ackedIds.get(a.key) ?? new Set()).add(a.orderId));
  const problems: OrderProblem[] = [];
  for (const [key, ids] of [...ackedIds].sort(([a], [b]) => a.localeCompare(b))) {
    const row = found.get(key);
    const given = [...ids].filter((id): id is number => id !== null);
    if (row === undefined || row.ids.length === 0)
      problems.push({ key, problem: 'lost', detail: `acknowledged${given.length ? ` as order ${given.join(', ')}` : ''}, but no row has this key` });
    else if (row.ids.length > 1 || given.length > 1)
      problems.push({
        key,
        problem: 'doubled',
        detail: `${row.ids.length} rows (${row.ids.join(', ')})${given.length > 1 ? `, acknowledged as ${given.join(' and ')}` : ''}`,
      });
    else if (given.length === 1 && given[0] !== row.ids[0])
      problems.push({ key, problem: 'other-id', detail: `acknowledged as order ${given[0]}, but the key's row is order ${row.ids[0]}` });
    else if (row.confirmed !== 1) problems.push({ key, problem: 'unconfirmed', detail: `order ${row.ids[0]} was acknowledged but is not confirmed` });
  }
  return problems;
}

const SHOWN = 3;

export function acknowledgedOrdersCheck(acks: readonly Acknowledgement[], rows: readonly OrderRows[]): CheckResult {
  const keys = new Set(acks.map((a) => a.key)).size;
  const base = {
    id: 'data:acknowledged-orders',
    kind: 'data' as const,
    name: 'every acknowledged order is in Postgres exactly once',
    endpoint: 'POST /orders',
    threshold: 0,
    unit: 'orders lost or doubled',
  };
  if (keys === 0)
    return { ...base, status: 'inconclusive', measured: null, why: 'no order was acknowledged during the run, so there was nothing to look for in Postgres' };
  const problems = orderProblems(acks, rows);
  if (problems.length === 0)
    return { ...base, status: 'pass', measured: 0, why: `all ${keys} acknowledged orders were found once each, confirmed, under the id the client was given` };
  const counts = new Map<string, number>();
  for (const p of problems) counts.set(p.problem, (counts.get(p.problem) ?? 0) + 1);
  const summary = [...counts].map(([problem, n]) => `${n} ${problem}`).join(', ');
  const examples = problems
    .slice(0, SHOWN)
    .map((p) => `${p.key}: ${p.detail}`)
    .join('; ');
  return {
    ...base,
    status: 'fail',
    measured: problems.length,
    why: `${problems.length} of ${keys} acknowledged orders are not in Postgres exactly once (${summary}); e.g. ${examples}${problems.length > SHOWN ? `; and ${problems.length - SHOWN} more` : ''}`,
  };
}

/** Postgres' rows for the acknowledged keys, read through the orders->postgres edge once the load is over. */
export async function orderRowsFor(listen: string, keys: readonly string[], timeoutMs = 10_000): Promise<OrderRows[]> {
  const i = listen.lastIndexOf(':');
  const client = new pg.Client({
    host: listen.slice(0, i),
    port: Number(listen.slice(i + 1)),
    user: 'faultline',
    database: 'faultline',
    connectionTimeoutMillis: timeoutMs,
    statement_timeout: timeoutMs,
    application_name: 'faultline-check',
  });
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

/** The shop's own check: every order the load saw acknowledged is in Postgres exactly once. */
export const acknowledgedOrdersExactlyOnce: SystemCheck = {
  name: 'acknowledged orders exactly once',
  when: { endpoint: 'POST /orders' },
  async run({ edges, created }) {
    const acks: Acknowledgement[] = (created['POST /orders'] ?? []).map((c) => ({ key: c.key, orderId: /^[0-9]+$/.test(c.id) ? Number(c.id) : null }));
    const edge = edges['orders->postgres'];
    try {
      if (edge === undefined) throw new Error('the stack has no orders->postgres edge to read the orders through');
      return acknowledgedOrdersCheck(acks, await orderRowsFor(edge.listen, [...new Set(acks.map((a) => a.key))]));
    } catch (error) {
      const check = acknowledgedOrdersCheck(acks, []);
      return { ...check, status: 'inconclusive', measured: null, why: `could not read the orders from Postgres after the run: ${(error as Error).message}` };
    }
  },
};
