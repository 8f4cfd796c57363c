// The catalog's queries. Each takes the abort signal of its attempt.

import type pg from 'pg';
import { queryRows } from '../../shared/postgres.ts';

export interface Product {
  id: number;
  name: string;
  price_cents: number;
  stock: number;
  description: string;
}

export const MAX_LIMIT = 100;
const COLUMNS = 'id, name, price_cents, stock, description';

export async function productById(pool: pg.Pool, id: number, signal: AbortSignal): Promise<Product | undefined> {
  const rows = await queryRows<Product>(pool, `SELECT ${COLUMNS} FROM products WHERE id = $1`, [id], signal);
  return rows[0];
}

export function listProducts(pool: pg.Pool, limit: number, signal: AbortSignal): Promise<Product[]> {
  return queryRows<Product>(pool, `SELECT ${COLUMNS} FROM products ORDER BY id LIMIT $1`, [limit], signal);
}

/** Every product (the catalog holds ~1000): what the start-up primes its fallback copy with. */
export function allProducts(pool: pg.Pool, signal: AbortSignal): Promise<Product[]> {
  return queryRows<Product>(pool, `SELECT ${COLUMNS} FROM products ORDER BY id`, [], signal);
}

/** Case-insensitive substring match on the name; `%` and `_` in the query match themselves. */
export function searchProducts(pool: pg.Pool, query: string, limit: number, signal: AbortSignal): Promise<Product[]> {
  const pattern = `%${query.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return queryRows<Product>(pool, `SELECT ${COLUMNS} FROM products WHERE name ILIKE $1 ORDER BY id LIMIT $2`, [pattern, limit], signal);
}
