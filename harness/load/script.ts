// Generates the k6 script of a scenario: an open-model constant-arrival-rate executor (a slow
// system still gets the offered load), a seeded endpoint/tenant mix, and one custom Trend point
// per request (`fl_req`) that carries endpoint, tenant and outcome (ok / degraded / error), so
// the harness reads one line per request from k6's NDJSON output. Every acknowledged order (2xx
// to POST /orders) also writes one `fl_ack` point tagged with its idempotency key and order id,
// so the run can check afterwards that Postgres holds each of them exactly once. A load-shaped fault
// (spike, noisy neighbour, poison pill) adds its own constant-arrival-rate scenario from its `at`
// for its `for`, its points tagged `source: <fault id>` so its traffic is told apart from the load.

import { TENANTS } from '../topology.ts';
import type { LoadSpec } from '../scenario.ts';
import type { FaultTraffic } from '../faults/types.ts';
import { BASE_SOURCE } from '../types.ts';

/**
 * How each endpoint of the mix becomes a request: method, path and (for POST) a JSON body, as k6
 * JS expressions over `r` = { id, word, key, quantity, orderId }.
 */
const REQUESTS: Record<string, { method: 'GET' | 'POST'; path: string; body?: string }> = {
  'GET /products/:id': { method: 'GET', path: '`/products/${r.id}`' },
  'GET /products': { method: 'GET', path: "'/products?limit=20'" },
  'GET /search': { method: 'GET', path: '`/search?q=${r.word}`' },
  'POST /orders': { method: 'POST', path: "'/orders'", body: 'JSON.stringify({ productId: r.id, quantity: r.quantity })' },
  'GET /orders/:id': { method: 'GET', path: '`/orders/${r.orderId}`' },
  'GET /recommendations': { method: 'GET', path: "'/recommendations?limit=5'" },
};

/** Orders placed in setup(), before the load clock starts, so GET /orders/:id has ids to read. */
export const SETUP_ORDERS = 20;

export const REQUEST_TIMEOUT_MS = 2000;

/** A load-shaped fault's extra traffic, as its own k6 scenario from `atMs` for `forMs`. */
export interface FaultTrafficSpec {
  /** the fault's id: its samples are tagged `source: <id>` */
  id: string;
  atMs: number;
  forMs: number;
  /** the traffic climbs from 0 to its rate over this long, then holds (ramping-arrival-rate) */
  rampMs?: number;
  traffic: FaultTraffic;
}

export interface ScriptOptions {
  load: LoadSpec;
  durationMs: number;
  seed: number;
  /** extra traffic of load-shaped faults, one k6 scenario each (`fault_<i>`) */
  faultTraffic?: readonly FaultTrafficSpec[];
}

/** The k6 scenario name of the i-th fault traffic (and of its exported function). */
export const faultScenarioName = (i: number): string => `fault_${i}`;

function cumulative(shares: Partial<Record<string, number>>): [string, number][] {
  const entries = Object.entries(shares).filter((e): e is [string, number] => typeof e[1] === 'number');
  const total = entries.reduce((a, [, s]) => a + s, 0);
  let acc = 0;
  return entries.map(([name, share]) => [name, (acc += share / total)]);
}

export function vuBudget(ratePerSecond: number): { preAllocatedVUs: number; maxVUs: number } {
  // Little's law: in-flight = rate x latency. Pre-allocate for 1 s (a fault that makes answers
  // take the gateway's 1 s timeout must not make k6 drop iterations while it starts more VUs),
  // allow up to the request timeout.
  const preAllocatedVUs = Math.max(5, Math.ceil(ratePerSecond * 1));
  const maxVUs = Math.max(preAllocatedVUs, Math.ceil(ratePerSecond * (REQUEST_TIMEOUT_MS / 1000) * 1.2));
  return { preAllocatedVUs, maxVUs };
}

/** One traffic source as a k6 JS object: endpoints, tenants and priorities as cumulative shares. */
function trafficObject(source: string, mix: Partial<Record<string, number>>, tenants: Partial<Record<string, number>>, priorities: Partial<Record<string, number>>, searchQuery?: string): string {
  const endpoints = cumulative(mix).map(([name, upTo]) => {
    const spec = REQUESTS[name];
    if (spec === undefined) throw new Error(`no request path for endpoint ${name}`);
    const path = searchQuery !== undefined && name === 'GET /search' ? `'/search?q=' + encodeURIComponent(${JSON.stringify(searchQuery)})` : spec.path;
    return `{ name: ${JSON.stringify(name)}, upTo: ${upTo}, method: '${spec.method}', path: (r) => ${path}, body: ${spec.body === undefined ? 'null' : `(r) => ${spec.body}`} }`;
  });
  return `{ source: ${JSON.stringify(source)}, endpoints: [${endpoints.join(', ')}], tenants: ${JSON.stringify(cumulative(tenants))}, priorities: ${JSON.stringify(cumulative(priorities))} }`;
}

const gracefulStop = `'${Math.ceil(REQUEST_TIMEOUT_MS / 1000) + 1}s'`;

export function renderK6Script({ load, durationMs, seed, faultTraffic = [] }: ScriptOptions): string {
  const baseTenants = load.tenants ?? Object.fromEntries(TENANTS.map((t) => [t, 1]));
  const basePriorities = load.priorities ?? { normal: 1 };
  const sources = [
    `load: ${trafficObject(BASE_SOURCE, load.mix, baseTenants, basePriorities)}`,
    ...faultTraffic.map((f, i) => `${faultScenarioName(i)}: ${trafficObject(f.id, f.traffic.mix ?? load.mix, f.traffic.tenants ?? baseTenants, f.traffic.priorities ?? basePriorities, f.traffic.searchQuery)}`),
  ];
  const readsOrders = [load.mix, ...faultTraffic.map((f) => f.traffic.mix ?? {})].some((m) => Object.keys(m).includes('GET /orders/:id'));
  const { preAllocatedVUs, maxVUs } = vuBudget(load.rate);
  const faultScenarios = faultTraffic.map((f, i) => {
    const vus = vuBudget(f.traffic.ratePerSecond);
    const shape =
      f.rampMs === undefined
        ? `executor: 'constant-arrival-rate',
      exec: '${faultScenarioName(i)}',
      rate: ${f.traffic.ratePerSecond},
      timeUnit: '1s',
      startTime: '${f.atMs}ms',
      duration: '${f.forMs}ms',`
        : `executor: 'ramping-arrival-rate',
      exec: '${faultScenarioName(i)}',
      startRate: 0,
      timeUnit: '1s',
      startTime: '${f.atMs}ms',
      stages: [{ target: ${f.traffic.ratePerSecond}, duration: '${f.rampMs}ms' }, { target: ${f.traffic.ratePerSecond}, duration: '${f.forMs - f.rampMs}ms' }],`;
    return `    ${faultScenarioName(i)}: {
      ${shape}
      preAllocatedVUs: ${vus.preAllocatedVUs},
      maxVUs: ${vus.maxVUs},
      gracefulStop: ${gracefulStop},
    },`;
  });
  const faultFunctions = faultTraffic.map((_, i) => `export function ${faultScenarioName(i)}(data) {\n  send(TRAFFIC.${faultScenarioName(i)}, data);\n}\n`);
  return `// generated by faultline (harness/load/script.ts); do not edit
import http from 'k6/http';
import { randomSeed } from 'k6';
import { Trend, Counter } from 'k6/metrics';

randomSeed(${seed} + __VU);
const BASE = __ENV.FL_BASE_URL;
const req = new Trend('fl_req', true);
const started = new Counter('fl_started');
const acks = new Counter('fl_ack');
// who sends what: the base load, and each load-shaped fault's own traffic (tagged with its id)
const TRAFFIC = {
  ${sources.join(',\n  ')},
};
const WORDS = ['lamp', 'chair', 'desk', 'mug', 'pen', 'shelf'];
const PRODUCT_IDS = ${load.productIds ?? 100};
// unique per run and request: the run's start, the VU and its iteration
const KEY_PREFIX = 'k6-' + ${seed} + '-' + Date.now().toString(36) + '-' + __VU + '-';
const myOrders = [];

export const options = {
  discardResponseBodies: true,
  summaryTrendStats: ['avg', 'p(50)', 'p(99)', 'max'],
  scenarios: {
    main: {
      executor: 'constant-arrival-rate',
      exec: 'main',
      rate: ${load.rate},
      timeUnit: '1s',
      duration: '${durationMs}ms',
      preAllocatedVUs: ${preAllocatedVUs},
      maxVUs: ${maxVUs},
      gracefulStop: ${gracefulStop},
    },
${faultScenarios.join('\n')}
  },
};

function pick(list, r) {
  for (const entry of list) if (r < (entry.upTo ?? entry[1])) return entry;
  return list[list.length - 1];
}

/** An acknowledged order: its id from Location, its key recorded for the after-run check. */
function acknowledged(res, key) {
  const location = res.headers['Location'] || '';
  const id = location.startsWith('/orders/') ? location.slice('/orders/'.length) : '';
  const known = /^[0-9]+$/.test(id);
  acks.add(1, { key, order: known ? id : '' });
  if (known) myOrders.push(Number(id));
}

export function setup() {
  const orderIds = [];
  for (let i = 0; ${readsOrders ? `i < ${SETUP_ORDERS}` : 'false'}; i++) {
    const key = 'k6-setup-' + ${seed} + '-' + Date.now().toString(36) + '-' + i;
    const res = http.post(BASE + '/orders', JSON.stringify({ productId: 1 + (i % PRODUCT_IDS), quantity: 1 }), {
      headers: { 'content-type': 'application/json', 'idempotency-key': key, 'x-tenant': TRAFFIC.load.tenants[0][0], 'x-priority': 'normal' },
      timeout: '${REQUEST_TIMEOUT_MS}ms',
    });
    if (res.status >= 200 && res.status < 300) {
      acknowledged(res, key);
      orderIds.push(myOrders.pop());
    }
  }
  started.add(1);
  return { orderIds };
}

function send(traffic, data) {
  const endpoint = pick(traffic.endpoints, Math.random());
  const tenant = pick(traffic.tenants, Math.random())[0];
  const priority = pick(traffic.priorities, Math.random())[0];
  const known = myOrders.length > 0 && Math.random() < 0.5 ? myOrders : data.orderIds;
  const r = {
    id: 1 + Math.floor(Math.random() * PRODUCT_IDS),
    word: WORDS[Math.floor(Math.random() * WORDS.length)],
    key: KEY_PREFIX + __ITER,
    quantity: 1 + Math.floor(Math.random() * 3),
    orderId: known.length > 0 ? known[Math.floor(Math.random() * known.length)] : 1,
  };
  const headers = { 'x-tenant': tenant, 'x-priority': priority };
  if (endpoint.method === 'POST') {
    headers['content-type'] = 'application/json';
    headers['idempotency-key'] = r.key;
  }
  const sentAt = Date.now();
  const res = http.request(endpoint.method, BASE + endpoint.path(r), endpoint.body ? endpoint.body(r) : null, {
    headers,
    tags: { endpoint: endpoint.name, tenant },
    timeout: '${REQUEST_TIMEOUT_MS}ms',
    responseCallback: http.expectedStatuses({ min: 200, max: 399 }),
  });
  if (endpoint.name === 'POST /orders' && res.status >= 200 && res.status < 300) acknowledged(res, r.key);
  const t = res.timings;
  const degraded = res.headers['X-Degraded'] || '';
  const outcome = res.status >= 200 && res.status < 300 ? (degraded ? 'degraded' : 'ok') : 'error';
  // a request that got no answer (timeout, refused) has no timings: count the wall time waited
  const latencyMs = res.status === 0 ? Date.now() - sentAt : t.blocked + t.connecting + t.duration;
  req.add(latencyMs, {
    endpoint: endpoint.name,
    tenant,
    outcome,
    status: String(res.status),
    degraded,
    source: traffic.source,
    priority,
    retry: res.headers['Retry-After'] ? '1' : '',
  });
}

export function main(data) {
  send(TRAFFIC.load, data);
}

${faultFunctions.join('\n')}`;
}
