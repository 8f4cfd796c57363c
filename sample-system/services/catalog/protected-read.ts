// The catalog's read path to Postgres, wrapped in its resilience patterns, innermost first:
// per-attempt timeout -> retry (full jitter, idempotent reads only, inside the request budget)
// -> circuit breaker -> stale-cache fallback from Redis. Every successful read refreshes the
// last known good copy in Redis.

import type pg from 'pg';
import type { Redis } from 'ioredis';
import client from 'prom-client';
import type { Switches } from '../../resilience/patterns.ts';
import { withTimeout, TimeoutError } from '../../resilience/timeout.ts';
import { retry } from '../../resilience/retry.ts';
import { CircuitBreaker, BrokenCircuitError, type BreakerState } from '../../resilience/breaker.ts';
import { withFallback, type Degraded } from '../../resilience/fallback.ts';

export const BUDGET = {
  attemptTimeoutMs: 100,
  requestBudgetMs: 250,
  retryBaseMs: 10,
  retryCapMs: 50,
  breakerThreshold: 5,
  breakerHalfOpenAfterMs: 1000,
  cacheTimeoutMs: 50,
  cacheTtlSeconds: 3600,
} as const;

const STATE_VALUE: Record<BreakerState, number> = { closed: 0, 'half-open': 1, open: 2 };

export class DependencyError extends Error {
  readonly status: number;
  constructor(message: string, status: number) {
    super(message);
    this.status = status;
  }
}

export interface ProtectedReader {
  read<T>(cacheKey: string, sql: string, params: unknown[], remainingMs: number): Promise<Degraded<T[]>>;
  breaker: CircuitBreaker;
}

export function protectedReader(pool: pg.Pool, redis: Redis, sw: Switches, registry: client.Registry): ProtectedReader {
  const calls = new client.Counter({ name: 'dependency_calls_total', help: 'calls to a dependency, every attempt', labelNames: ['dependency', 'result'] as const, registers: [registry] });
  const retries = new client.Counter({ name: 'dependency_retries_total', help: 'retries of a dependency call', labelNames: ['dependency'] as const, registers: [registry] });
  const transitions = new client.Counter({ name: 'breaker_transitions_total', help: 'circuit breaker transitions', labelNames: ['dependency', 'to'] as const, registers: [registry] });
  const fallbacks = new client.Counter({ name: 'fallbacks_total', help: 'answers served by a fallback', labelNames: ['reason'] as const, registers: [registry] });
  const breaker = new CircuitBreaker({ dependency: 'postgres', threshold: BUDGET.breakerThreshold, halfOpenAfterMs: BUDGET.breakerHalfOpenAfterMs });
  new client.Gauge({ name: 'breaker_state', help: '0 closed, 1 half-open, 2 open', labelNames: ['dependency'] as const, registers: [registry], collect() { this.set({ dependency: 'postgres' }, STATE_VALUE[breaker.state]); } });
  breaker.onTransition((to, from) => {
    transitions.inc({ dependency: 'postgres', to });
    process.stdout.write(`${JSON.stringify({ level: 40, time: Date.now(), msg: 'breaker transition', dependency: 'postgres', from, to })}\n`);
  });

  /** One attempt: a pooled connection, given back broken (destroyed) if the attempt is abandoned. */
  async function attempt<T>(sql: string, params: unknown[], signal: AbortSignal): Promise<T[]> {
    const conn = await pool.connect();
    if (signal.aborted) {
      conn.release(new Error('abandoned'));
      throw signal.reason;
    }
    const abandon = (): void => conn.release(new Error('abandoned: timed out'));
    signal.addEventListener('abort', abandon, { once: true });
    try {
      const result = await conn.query(sql, params);
      signal.removeEventListener('abort', abandon);
      conn.release();
      return result.rows as T[];
    } catch (error) {
      signal.removeEventListener('abort', abandon);
      if (!signal.aborted) conn.release(error as Error);
      throw error;
    }
  }

  async function fromPostgres<T>(sql: string, params: unknown[], remainingMs: number): Promise<T[]> {
    const budgetMs = Math.min(BUDGET.requestBudgetMs, remainingMs);
    const start = performance.now();
    // each attempt gets its own timeout, but never more than what is left of the request budget
    const attemptTimeoutMs = (): number => (sw.enabled('timeout') ? Math.max(1, Math.min(BUDGET.attemptTimeoutMs, budgetMs - (performance.now() - start))) : Infinity);
    const once = (): Promise<T[]> =>
      withTimeout('postgres query', attemptTimeoutMs(), (signal) => attempt<T>(sql, params, signal)).then(
        (rows) => (calls.inc({ dependency: 'postgres', result: 'ok' }), rows),
        (error: unknown) => {
          calls.inc({ dependency: 'postgres', result: error instanceof TimeoutError ? 'timeout' : 'error' });
          throw error;
        },
      );
    const retried = (): Promise<T[]> =>
      sw.enabled('retry')
        ? retry(once, { tries: 3, baseMs: BUDGET.retryBaseMs, capMs: BUDGET.retryCapMs, budgetMs: sw.enabled('timeout') ? budgetMs : Infinity, idempotent: true, isRetryable: () => true, onRetry: () => retries.inc({ dependency: 'postgres' }) })
        : once();
    return sw.enabled('breaker') ? breaker.execute(retried) : retried();
  }

  async function cacheGet<T>(key: string): Promise<T[] | undefined> {
    const raw = await withTimeout('redis GET', BUDGET.cacheTimeoutMs, () => redis.get(key));
    return raw === null ? undefined : (JSON.parse(raw) as T[]);
  }

  return {
    breaker,
    async read<T>(cacheKey: string, sql: string, params: unknown[], remainingMs: number): Promise<Degraded<T[]>> {
      try {
        const answer = await withFallback(() => fromPostgres<T>(sql, params, remainingMs), () => cacheGet<T>(cacheKey), { enabled: sw.enabled('fallback'), reason: 'stale-cache' });
        if (answer.degraded) fallbacks.inc({ reason: answer.degraded });
        // refresh the last known good copy; a Redis problem never fails the request
        else void withTimeout('redis SET', BUDGET.cacheTimeoutMs, () => redis.set(cacheKey, JSON.stringify(answer.value), 'EX', BUDGET.cacheTtlSeconds)).catch(() => undefined);
        return answer;
      } catch (error) {
        if (error instanceof BrokenCircuitError) throw new DependencyError(error.message, 503);
        if (error instanceof TimeoutError) throw new DependencyError(error.message, 504);
        throw new DependencyError(`postgres: ${(error as Error).message}`, 502);
      }
    },
  };
}
