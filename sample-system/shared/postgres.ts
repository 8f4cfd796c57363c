// Postgres access for the services: a small pool and a query that honours an abort signal.
// node-pg cannot cancel a query client-side: the connection stays busy until Postgres answers.
// So a query abandoned on timeout hands its client back *with an error*, which makes the pool
// destroy that connection instead of lending a busy one to the next request.

import pg from 'pg';

export const POOL_MAX = 10;

export function createPool(databaseUrl: string, applicationName: string, max: number = POOL_MAX): pg.Pool {
  return new pg.Pool({
    connectionString: databaseUrl,
    max,
    connectionTimeoutMillis: 1000,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
    application_name: applicationName,
  });
}

/**
 * Opens `connections` pool connections before the service reports ready, so the first requests
 * do not each pay for a TCP connect and a Postgres backend start (tens of ms on a busy machine).
 */
export async function warmPool(pool: pg.Pool, connections: number): Promise<void> {
  const clients = await Promise.all(Array.from({ length: connections }, () => pool.connect()));
  try {
    await Promise.all(clients.map((c) => c.query('SELECT 1')));
  } finally {
    for (const c of clients) c.release();
  }
}

/** The query was given up (timeout or deadline); its connection has been destroyed. */
export class QueryAbandonedError extends Error {
  constructor(reason: unknown) {
    super(`query abandoned: ${reason instanceof Error ? reason.message : String(reason ?? 'aborted')}`);
    this.name = 'QueryAbandonedError';
  }
}

export async function queryRows<R extends pg.QueryResultRow>(pool: pg.Pool, text: string, values: readonly unknown[], signal: AbortSignal): Promise<R[]> {
  if (signal.aborted) throw new QueryAbandonedError(signal.reason);
  return new Promise<R[]>((resolve, reject) => {
    let settled = false;
    let client: pg.PoolClient | undefined;
    const settle = (fn: () => void): boolean => {
      if (settled) return false;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      client?.removeListener('error', onClientError);
      fn();
      return true;
    };
    function onAbort(): void {
      const abandoned = new QueryAbandonedError(signal.reason);
      const busy = client;
      if (settle(() => reject(abandoned))) busy?.release(abandoned);
    }
    function onClientError(error: Error): void {
      const broken = client;
      if (settle(() => reject(error))) broken?.release(error);
    }
    signal.addEventListener('abort', onAbort, { once: true });
    pool.connect().then(
      (acquired) => {
        // acquired after the caller gave up: the connection is idle and healthy, keep it
        if (settled) return acquired.release();
        client = acquired;
        acquired.on('error', onClientError);
        acquired.query<R>(text, values as unknown[]).then(
          (result) => {
            if (settle(() => resolve(result.rows))) acquired.release();
          },
          (error: Error) => {
            if (settle(() => reject(error))) acquired.release(error);
          },
        );
      },
      (error: Error) => settle(() => reject(error)),
    );
  });
}

const TRANSIENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  '57P01',
  '57P02',
  '57P03',
  '53300',
]);
const TRANSIENT_MESSAGES = [/connection terminated/i, /timeout exceeded when trying to connect/i, /not queryable/i, /connection (?:refused|reset|closed)/i];

/** Connection-level failures: worth a retry and a mark against Postgres' health. */
export function isTransientPgError(error: Error): boolean {
  if (error instanceof QueryAbandonedError) return true;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (TRANSIENT_CODES.has(code) || code.startsWith('08'))) return true;
  return TRANSIENT_MESSAGES.some((pattern) => pattern.test(error.message));
}
