// The protected read path: the source of truth (Postgres, behind timeout -> retry -> breaker)
// first, with concurrent reads of one key coalesced into one query (single flight); on success
// the answer is kept as the last known good copy; on failure that copy is
// served, marked degraded. With nothing to fall back on the failure is answered honestly:
// 503 when Postgres is known to be down (breaker open) or erring, 504 when it was too slow.
// Search reads go cache-aside in front of that: a fresh copy in Redis first (see cache.ts).

import type { FastifyBaseLogger } from 'fastify';
import type { GuardedDependency } from '../../resilience/dependency.ts';
import { withStaleFallback } from '../../resilience/fallback.ts';
import type { SingleFlight } from '../../resilience/single-flight.ts';
import { failureReason } from '../../shared/failure.ts';
import type { FallbackReason, ServiceMetrics } from '../../shared/metrics.ts';
import type { FreshLookup, LastKnownGood } from './cache.ts';

export { failureReason };

export const DEGRADED_STALE_CACHE = 'stale-cache';

export type ReadResult<T> =
  | { kind: 'found'; value: T; degraded?: typeof DEGRADED_STALE_CACHE; cache?: 'hit' | 'miss' }
  | { kind: 'not-found' }
  | { kind: 'failed'; status: 503 | 504; reason: FallbackReason; message: string };

type Lookup<T> = { found: true; value: T } | { found: false };

export interface ReaderDeps {
  postgres: GuardedDependency;
  cache: LastKnownGood;
  flight: SingleFlight;
  fallbackOn: boolean;
  metrics: ServiceMetrics;
  log: FastifyBaseLogger;
  /** counts cache-aside lookups by result */
  onLookup?: (lookup: FreshLookup) => void;
}

export interface ReadOptions {
  budgetMs?: number;
  /** look in the cache first and put the answer back (cache-aside); search results only */
  cacheAside?: boolean;
}

export type Reader = <T>(key: string, query: (signal: AbortSignal) => Promise<T | undefined>, options?: ReadOptions) => Promise<ReadResult<T>>;

export function createReader(deps: ReaderDeps): Reader {
  const { postgres, cache, flight, fallbackOn, metrics, log } = deps;
  const read = async <T>(key: string, query: (signal: AbortSignal) => Promise<T | undefined>, budgetMs?: number): Promise<ReadResult<T>> => {
    const primary = async (): Promise<Lookup<T>> => {
      const value = await flight.run(key, async () => {
        const found = await postgres.call(query, { idempotent: true, ...(budgetMs === undefined ? {} : { budgetMs }) });
        if (found !== undefined && fallbackOn) cache.write(key, found);
        return found;
      });
      return value === undefined ? { found: false } : { found: true, value };
    };
    const stale = async (): Promise<Lookup<T> | undefined> => {
      const value = await cache.read<T>(key);
      return value === undefined ? undefined : { found: true, value };
    };
    try {
      const outcome = await withStaleFallback(primary, stale, {
        enabled: fallbackOn,
        onFallbackError: (error) => log.debug({ err: error, key }, 'stale cache unavailable'),
      });
      if (!outcome.value.found) return { kind: 'not-found' };
      if (!outcome.degraded) return { kind: 'found', value: outcome.value.value };
      metrics.fallback(failureReason(outcome.cause));
      return { kind: 'found', value: outcome.value.value, degraded: DEGRADED_STALE_CACHE };
    } catch (error) {
      const reason = failureReason(error);
      const message = error instanceof Error ? error.message : String(error);
      return { kind: 'failed', status: reason === 'timeout' ? 504 : 503, reason, message };
    }
  };
  return async <T>(key: string, query: (signal: AbortSignal) => Promise<T | undefined>, options: ReadOptions = {}): Promise<ReadResult<T>> => {
    if (!options.cacheAside) return read(key, query, options.budgetMs);
    const cached = await cache.fresh.read<T>(key);
    deps.onLookup?.(cached.lookup);
    if (cached.lookup === 'hit' && cached.value !== undefined) return { kind: 'found', value: cached.value, cache: 'hit' };
    const result = await read(key, query, options.budgetMs);
    if (result.kind !== 'found') return result;
    // a stale copy served in a fault is not put back as fresh
    if (result.degraded === undefined) cache.fresh.write(key, result.value);
    return { ...result, cache: 'miss' };
  };
}
