// The reference shop, declared for faultline: five services (the catalog twice), Postgres and
// Redis, every network edge through its own Toxiproxy proxy. The harness knows the shop only
// through this file: scenarios name it with `system: 'shop'`.

import { defineSystem, type ServicePartInput } from '../harness/system/define.ts';
import { acknowledgedOrdersExactlyOnce } from './checks/orders.ts';
import { PRIORITIES } from './resilience/load-shedding.ts';
import { PATTERNS } from './resilience/patterns.ts';

/** One of the shop's Node services: TypeScript run by type stripping, ready when /health/ready answers 200 with its pid. */
const service = (entry: string, env: Record<string, string>, more: Partial<ServicePartInput> = {}): ServicePartInput => ({
  kind: 'service',
  command: ['{{node}}', '--disable-warning=ExperimentalWarning', entry],
  port: 8080,
  env: { HOST: '{{host}}', PORT: '{{port}}', ...env },
  readiness: { http: '/health/ready', pid: true },
  probePath: '/health/live',
  ...more,
});

export default defineSystem({
  name: 'shop',
  description: 'a small shop: a gateway in front of a catalog (2 replicas), orders, payments and recommendations, on Postgres and Redis',
  parts: {
    postgres: { kind: 'postgres' },
    redis: { kind: 'redis' },
    gateway: service('gateway/main.ts', {
      CATALOG_URL: '{{edge "gateway->catalog" prefix="http://"}}',
      ORDERS_URL: '{{edge "gateway->orders" prefix="http://"}}',
      RECOMMENDATIONS_URL: '{{edge "gateway->recommendations" prefix="http://"}}',
      REDIS_URL: 'redis://{{edge "gateway->redis"}}',
      REPLICA_ID: 'gateway-{{replica}}',
    }),
    catalog: service(
      'services/catalog/main.ts',
      {
        DATABASE_URL: 'postgres://faultline@{{edge "catalog->postgres"}}/faultline',
        REDIS_URL: 'redis://{{edge "catalog->redis"}}',
        REPLICA_ID: 'catalog-{{replica}}',
      },
      { replicas: 2 },
    ),
    orders: service('services/orders/main.ts', {
      DATABASE_URL: 'postgres://faultline@{{edge "orders->postgres"}}/faultline',
      REDIS_URL: 'redis://{{edge "orders->redis"}}',
      PAYMENTS_URL: '{{edge "orders->payments" prefix="http://"}}',
      REPLICA_ID: 'orders-{{replica}}',
    }),
    payments: service('services/payments/main.ts', { REPLICA_ID: 'payments-{{replica}}' }, { behaviourSwitch: '/admin' }),
    recommendations: service('services/recommendations/main.ts', {
      REDIS_URL: 'redis://{{edge "recommendations->redis"}}',
      REPLICA_ID: 'recommendations-{{replica}}',
    }),
  },
  edges: [
    'gateway->catalog',
    'gateway->orders',
    'gateway->recommendations',
    'gateway->redis',
    'catalog->postgres',
    'catalog->redis',
    'orders->postgres',
    'orders->redis',
    'orders->payments',
    'recommendations->redis',
  ],
  entry: 'gateway',
  endpoints: {
    'GET /products/:id': { path: '/products/{id}', params: { id: { int: [1, 100] } } },
    'GET /products': { path: '/products?limit=20' },
    'GET /search': { path: '/search?q={word}', params: { word: { oneOf: ['lamp', 'chair', 'desk', 'mug', 'pen', 'shelf'] } } },
    'POST /orders': {
      path: '/orders',
      params: { id: { int: [1, 100] }, quantity: { int: [1, 3] } },
      body: { productId: '{id}', quantity: '{quantity}' },
      idempotencyKey: 'idempotency-key',
      creates: { locationPrefix: '/orders/' },
    },
    'GET /orders/:id': { path: '/orders/{order}', params: { order: { created: 'POST /orders', setup: 20 } } },
    'GET /recommendations': { path: '/recommendations?limit=5' },
  },
  tenants: { header: 'x-tenant', names: ['acme', 'globex', 'initech'] },
  priorities: { header: 'x-priority', names: PRIORITIES, default: 'normal' },
  degraded: { header: 'x-degraded' },
  switches: { env: 'RESILIENCE_DISABLE', patterns: PATTERNS },
  metrics: {
    path: '/metrics',
    series: {
      requests: 'http_requests_total',
      calls: 'dependency_calls_total',
      retries: 'dependency_retries_total',
      breakerTransitions: 'breaker_transitions_total',
    },
    keep: [
      'retry_budget_exhausted_total',
      'breaker_state',
      'fallbacks_total',
      'deadline_exceeded_total',
      'upstream_calls_total',
      'replica_ejections_total',
      'shed_total',
      'rate_limited_total',
      'rate_limit_fallback_total',
      'bulkhead_rejected_total',
      'quarantined_total',
      'quarantine_hurts_total',
      'coalesced_total',
      'gateway_in_flight',
      'db_pool_clients',
      'payments_total',
      'nodejs_eventloop_lag_p99_seconds',
    ],
    // the report's cascade section: each counter's title, split into rows by these labels
    show: [
      { series: 'dependency_calls_total', by: ['dependency'], title: 'calls to' },
      { series: 'dependency_retries_total', by: ['dependency'], title: 'retries to' },
      { series: 'retry_budget_exhausted_total', by: ['dependency'], title: 'retry budget exhausted for' },
      { series: 'breaker_transitions_total', by: ['dependency', 'to'], title: 'breaker transitions' },
      { series: 'fallbacks_total', by: ['reason'], title: 'fallback answers' },
      { series: 'deadline_exceeded_total', title: 'dropped past deadline' },
      { series: 'shed_total', by: ['priority'], title: 'shed' },
      { series: 'rate_limited_total', by: ['tenant'], title: 'rate limited' },
      { series: 'bulkhead_rejected_total', title: 'bulkhead rejected' },
      { series: 'quarantined_total', title: 'quarantined' },
      { series: 'replica_ejections_total', title: 'replica ejections' },
    ],
    phaseCounters: ['breaker_transitions_total', 'shed_total', 'rate_limited_total'],
  },
  // sample-system/services/catalog/defect.ts: a search for this hangs the replica serving it for 2.5 s
  poison: { 'GET /search': { word: 'poison:hang:{tenant}' } },
  checks: [acknowledgedOrdersExactlyOnce],
});
