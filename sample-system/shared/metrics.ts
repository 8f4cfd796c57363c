// The resilience metrics every service shares, beside the HTTP ones: each attempt on a dependency
// (so retry amplification = dependency calls / requests), retries and retries refused by the
// budget, breaker state and transitions, fallbacks served, requests dropped past their deadline,
// and the Postgres pool's use. Services add their own (shed, limited, quarantined...) to the
// same registry.

import type pg from 'pg';
import { Counter, Gauge, type Registry } from 'prom-client';
import { BREAKER_STATE_VALUE, type Breaker } from '../resilience/breaker.ts';
import type { AttemptResult, DependencyObserver } from '../resilience/dependency.ts';

export type FallbackReason = 'breaker_open' | 'timeout' | 'error';

export interface ServiceMetrics {
  readonly registry: Registry;
  observerFor(dependency: string): DependencyObserver;
  dependencyCall(dependency: string, result: AttemptResult): void;
  watchBreaker(breaker: Breaker): void;
  watchPool(pool: pg.Pool): void;
  fallback(reason: string): void;
  deadlineExceeded(): void;
}

export function createServiceMetrics(registry: Registry): ServiceMetrics {
  const registers = [registry];
  const calls = new Counter({
    name: 'dependency_calls_total',
    help: 'Attempts that reached a dependency, by result (ok|error|timeout); breaker rejections are not attempts',
    labelNames: ['dependency', 'result'],
    registers,
  });
  const retries = new Counter({
    name: 'dependency_retries_total',
    help: 'Retries of dependency calls (tries after the first)',
    labelNames: ['dependency'],
    registers,
  });
  const budgetRefused = new Counter({
    name: 'retry_budget_exhausted_total',
    help: 'Retries not made because the retry budget was spent',
    labelNames: ['dependency'],
    registers,
  });
  const transitions = new Counter({
    name: 'breaker_transitions_total',
    help: 'Circuit breaker state changes, by the state entered',
    labelNames: ['dependency', 'to'],
    registers,
  });
  const fallbacks = new Counter({
    name: 'fallbacks_total',
    help: 'Answers served from a fallback, by why the primary failed',
    labelNames: ['reason'],
    registers,
  });
  const deadlines = new Counter({ name: 'deadline_exceeded_total', help: 'Requests dropped on arrival because their x-deadline had passed', registers });
  const breakers: Breaker[] = [];
  new Gauge({
    name: 'breaker_state',
    help: 'Circuit breaker state: 0 closed, 1 half-open, 2 open',
    labelNames: ['dependency'],
    registers,
    collect() {
      for (const b of breakers) this.set({ dependency: b.dependency }, BREAKER_STATE_VALUE[b.state()]);
    },
  });
  const pools: pg.Pool[] = [];
  new Gauge({
    name: 'db_pool_clients',
    help: 'Postgres pool: connections open (total), idle, and requests waiting for one',
    labelNames: ['state'],
    registers,
    collect() {
      for (const p of pools) {
        this.set({ state: 'total' }, p.totalCount);
        this.set({ state: 'idle' }, p.idleCount);
        this.set({ state: 'waiting' }, p.waitingCount);
      }
    },
  });

  return {
    registry,
    observerFor: (dependency) => ({
      attempt: (result) => calls.inc({ dependency, result }),
      retry: () => retries.inc({ dependency }),
      retryRefused: () => budgetRefused.inc({ dependency }),
      transition: (to) => transitions.inc({ dependency, to }),
    }),
    dependencyCall: (dependency, result) => calls.inc({ dependency, result }),
    watchBreaker: (breaker) => void breakers.push(breaker),
    watchPool: (pool) => void pools.push(pool),
    fallback: (reason) => fallbacks.inc({ reason }),
    deadlineExceeded: () => deadlines.inc(),
  };
}
