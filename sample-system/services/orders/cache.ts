// Redis beside Postgres for orders: a fast path for replays of a confirmed order's key (Postgres
// stays the truth: a miss or a Redis failure just means asking Postgres), and the popularity
// counts the recommendations service reads. Every call here is best effort.

import type { Redis } from 'ioredis';
import type { AttemptResult } from '../../resilience/dependency.ts';
import { redisResultOf } from '../../shared/redis.ts';
import type { Order } from './store.ts';

export const REPLAY_TTL_SECONDS = 24 * 3600;
export const POPULAR_KEY = 'recs:popular';

export interface CachedOrder {
  order: Order;
  requestHash: string;
}

export interface OrdersCache {
  replay(key: string): Promise<CachedOrder | undefined>;
  remember(key: string, value: CachedOrder): void;
  countPurchase(productId: number, quantity: number): void;
}

export function createOrdersCache(redis: Redis, onCall: (result: AttemptResult) => void): OrdersCache {
  const quietly = (p: Promise<unknown>): void => {
    p.then(
      () => onCall('ok'),
      (error: unknown) => onCall(redisResultOf(error)),
    );
  };
  return {
    async replay(key) {
      try {
        const json = await redis.get(`idem:${key}`);
        onCall('ok');
        return json === null ? undefined : (JSON.parse(json) as CachedOrder);
      } catch (error) {
        onCall(redisResultOf(error));
        return undefined;
      }
    },
    remember(key, value) {
      quietly(redis.set(`idem:${key}`, JSON.stringify(value), 'EX', REPLAY_TTL_SECONDS));
    },
    countPurchase(productId, quantity) {
      quietly(redis.zincrby(POPULAR_KEY, quantity, String(productId)));
    },
  };
}
