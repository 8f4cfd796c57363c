// Generates the k6 script of a scenario: an open-model constant-arrival-rate executor (a slow
// system still gets the offered load), a seeded endpoint/tenant/priority mix, and one custom Trend
// point per request (`fl_req`) that carries endpoint, tenant and outcome (ok / degraded / error),
// so the harness reads one line per request from k6's NDJSON output. The requests are the system's
// endpoints as its declaration gives them (path and body templates, parameter draws, headers); an
// endpoint that `creates` something writes one `fl_ack` point per 2xx, tagged with its idempotency
// key and the created id (from Location), so a system's own check can look for each afterwards.
// A load-shaped fault (spike, noisy neighbour, poison pill) adds its own constant-arrival-rate
// scenario from its `at` for its `for`, its points tagged `source: <fault id>`.

import type { FaultTraffic } from '../faults/types.ts';
import type { LoadSpec } from '../scenario.ts';
import type { ParamInput } from '../system/define.ts';
import { NO_TENANT, type System } from '../system/system.ts';
import { BASE_SOURCE } from '../types.ts';

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
  system: System;
  load: LoadSpec;
  durationMs: number;
  seed: number;
  /** extra traffic of load-shaped faults, one k6 scenario each (`fault_<i>`) */
  faultTraffic?: readonly FaultTrafficSpec[];
}

/** The k6 scenario name of the i-th fault traffic (and of its exported function). */
export const faultScenarioName = (i: number): string => `fault_${i}`;

/** k6 gives response headers in canonical form: x-served-by -> X-Served-By. */
export const canonicalHeader = (name: string): string =>
  name.toLowerCase().replace(/(^|-)([a-z])/g, (_, dash: string, c: string) => `${dash}${c.toUpperCase()}`);

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

/** A parameter draw as the script's `draw()` reads it. */
function drawSpec(spec: ParamInput | { fixed: string }): unknown[] {
  if ('fixed' in spec) return ['fixed', spec.fixed];
  if ('int' in spec) return ['int', spec.int[0], spec.int[1]];
  if ('oneOf' in spec) return ['oneOf', spec.oneOf];
  return ['created', spec.created];
}

/** One endpoint as the script's `request()` reads it. */
function endpointObject(
  system: System,
  name: string,
  upTo: number,
  params: Readonly<Record<string, ParamInput>>,
  fixed: Readonly<Record<string, string>> = {},
): string {
  const e = system.endpoints[name];
  if (e === undefined) throw new Error(`no request for endpoint ${name}: system ${system.name} does not declare it`);
  const draws = Object.fromEntries(
    Object.entries(e.params).map(([k, spec]) => [k, drawSpec(k in fixed ? { fixed: fixed[k] as string } : (params[k] ?? spec))]),
  );
  return JSON.stringify({
    name,
    upTo,
    method: e.method,
    path: e.path,
    body: e.body ?? null,
    headers: e.headers,
    key: e.idempotencyKey ?? null,
    creates: e.creates?.locationPrefix ?? null,
    params: draws,
  });
}

/** One traffic source as a k6 JS object: endpoints, tenants and priorities as cumulative shares. */
function trafficObject(
  system: System,
  source: string,
  mix: Partial<Record<string, number>>,
  tenants: Partial<Record<string, number>>,
  priorities: Partial<Record<string, number>>,
  params: Readonly<Record<string, ParamInput>>,
  fixed: Readonly<Record<string, string>> = {},
): string {
  const endpoints = cumulative(mix).map(([name, upTo]) => endpointObject(system, name, upTo, params, fixed));
  return `{ source: ${JSON.stringify(source)}, endpoints: [${endpoints.join(', ')}], tenants: ${JSON.stringify(cumulative(tenants))}, priorities: ${JSON.stringify(cumulative(priorities))} }`;
}

/** Endpoints whose ids some mixed endpoint reads (`created` draws), with how many to make before the load. */
function setupCreations(
  system: System,
  mixes: readonly Partial<Record<string, number>>[],
  params: Readonly<Record<string, ParamInput>>,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const name of new Set(mixes.flatMap((m) => Object.keys(m))))
    for (const [k, spec] of Object.entries(system.endpoints[name]?.params ?? {})) {
      const used = params[k] ?? spec;
      if ('created' in used) out[used.created] = Math.max(out[used.created] ?? 0, used.setup ?? 0);
    }
  return out;
}

const gracefulStop = `'${Math.ceil(REQUEST_TIMEOUT_MS / 1000) + 1}s'`;

export function renderK6Script({ system, load, durationMs, seed, faultTraffic = [] }: ScriptOptions): string {
  const baseTenants = load.tenants ?? Object.fromEntries((system.tenants?.names ?? [NO_TENANT]).map((t) => [t, 1]));
  const basePriorities = load.priorities ?? (system.priorities === undefined ? {} : { [system.priorities.default]: 1 });
  const params = (load.params ?? {}) as Readonly<Record<string, ParamInput>>;
  const sources = [
    `load: ${trafficObject(system, BASE_SOURCE, load.mix, baseTenants, basePriorities, params)}`,
    ...faultTraffic.map(
      (f, i) =>
        `${faultScenarioName(i)}: ${trafficObject(system, f.id, f.traffic.mix ?? load.mix, f.traffic.tenants ?? baseTenants, f.traffic.priorities ?? basePriorities, params, f.traffic.params)}`,
    ),
  ];
  const creations = setupCreations(system, [load.mix, ...faultTraffic.map((f) => f.traffic.mix ?? {})], params);
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
// unique per run and request: the run's start, the VU and its iteration
const KEY_PREFIX = 'k6-' + ${seed} + '-' + Date.now().toString(36) + '-' + __VU + '-';
// ids this VU saw created, by the endpoint that created them
const CREATED = {};
const TENANT_HEADER = ${JSON.stringify(system.tenants?.header ?? null)};
const PRIORITY_HEADER = ${JSON.stringify(system.priorities?.header ?? null)};
const DEGRADED_HEADER = ${JSON.stringify(system.degraded.header === undefined ? null : canonicalHeader(system.degraded.header))};
const DEGRADED_STATUSES = ${JSON.stringify(system.degraded.statuses)};
// how many ids to create before the load, by creating endpoint (for endpoints that read them)
const SETUP = ${JSON.stringify(creations)};
const ALL_ENDPOINTS = { ${Object.keys(creations)
    .map((name) => `${JSON.stringify(name)}: ${endpointObject(system, name, 1, params)}`)
    .join(', ')} };

export const options = {
  discardResponseBodies: true,
  summaryTrendStats: ['avg', 'p(50)', 'p(99)', 'max'],
  // the harness reads only fl_* and dropped_iterations (by scenario): k6 need not tag its own
  // ~12 samples per request with url, method, status, ...
  systemTags: ['scenario'],
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

function draw(spec, data) {
  switch (spec[0]) {
    case 'int':
      return spec[1] + Math.floor(Math.random() * (spec[2] - spec[1] + 1));
    case 'oneOf':
      return spec[1][Math.floor(Math.random() * spec[1].length)];
    case 'fixed':
      return spec[1];
    default: {
      const mine = CREATED[spec[1]] || [];
      const known = mine.length > 0 && Math.random() < 0.5 ? mine : data.created[spec[1]] || [];
      return known.length > 0 ? known[Math.floor(Math.random() * known.length)] : '1';
    }
  }
}

const PLACEHOLDER = /\\{([A-Za-z_][A-Za-z0-9_]*)\\}/g;
const WHOLE = /^\\{([A-Za-z_][A-Za-z0-9_]*)\\}$/;
function fillPath(path, values) {
  return path.replace(PLACEHOLDER, (_, k) => encodeURIComponent(String(values[k])));
}
/** A body value: '{param}' alone keeps the value's type; other strings get it spliced in. */
function fillBody(value, values) {
  if (typeof value === 'string') {
    const whole = WHOLE.exec(value);
    return whole ? values[whole[1]] : value.replace(PLACEHOLDER, (_, k) => String(values[k]));
  }
  if (Array.isArray(value)) return value.map((v) => fillBody(v, values));
  if (value !== null && typeof value === 'object') {
    const out = {};
    for (const k of Object.keys(value)) out[k] = fillBody(value[k], values);
    return out;
  }
  return value;
}

/** A 2xx of an endpoint that creates: the id after its Location prefix, recorded with the request's key. */
function created(endpoint, res, key) {
  const location = res.headers['Location'] || '';
  const id = location.startsWith(endpoint.creates) ? location.slice(endpoint.creates.length) : '';
  acks.add(1, { endpoint: endpoint.name, key: key || '', order: id });
  if (id !== '') (CREATED[endpoint.name] = CREATED[endpoint.name] || []).push(id);
  return id;
}

/** One request of an endpoint as a tenant at a priority: the answer and the key it carried. */
function request(endpoint, tenant, priority, data) {
  const values = {};
  for (const k of Object.keys(endpoint.params)) values[k] = draw(endpoint.params[k], data);
  const headers = Object.assign({}, endpoint.headers);
  if (TENANT_HEADER && tenant !== ${JSON.stringify(NO_TENANT)}) headers[TENANT_HEADER] = tenant;
  if (PRIORITY_HEADER && priority) headers[PRIORITY_HEADER] = priority;
  const key = endpoint.key ? KEY_PREFIX + __ITER + '-' + Math.random().toString(36).slice(2, 8) : '';
  if (endpoint.key) headers[endpoint.key] = key;
  if (endpoint.body !== null) headers['content-type'] = 'application/json';
  const res = http.request(endpoint.method, BASE + fillPath(endpoint.path, values), endpoint.body === null ? null : JSON.stringify(fillBody(endpoint.body, values)), {
    headers,
    tags: { endpoint: endpoint.name, tenant },
    timeout: '${REQUEST_TIMEOUT_MS}ms',
    responseCallback: http.expectedStatuses({ min: 200, max: 399 }),
  });
  return { res, key };
}

export function setup() {
  const made = {};
  const tenant = TRAFFIC.load.tenants[0][0];
  const priority = TRAFFIC.load.priorities.length > 0 ? TRAFFIC.load.priorities[0][0] : '';
  for (const name of Object.keys(SETUP)) {
    const endpoint = ALL_ENDPOINTS[name];
    made[name] = [];
    for (let i = 0; endpoint && i < SETUP[name]; i++) {
      const { res, key } = request(endpoint, tenant, priority, { created: {} });
      if (res.status >= 200 && res.status < 300) {
        // setup's ids are shared by every VU through data, not kept as this VU's own
        const id = created(endpoint, res, key);
        if (id !== '') made[name].push(CREATED[name].pop());
      }
    }
  }
  started.add(1);
  return { created: made };
}

function send(traffic, data) {
  const endpoint = pick(traffic.endpoints, Math.random());
  const tenant = pick(traffic.tenants, Math.random())[0];
  const priority = traffic.priorities.length > 0 ? pick(traffic.priorities, Math.random())[0] : '';
  const sentAt = Date.now();
  const { res, key } = request(endpoint, tenant, priority, data);
  const success = res.status >= 200 && res.status < 300;
  if (endpoint.creates !== null && success) created(endpoint, res, key);
  const t = res.timings;
  const degraded = (DEGRADED_HEADER && res.headers[DEGRADED_HEADER]) || (success && DEGRADED_STATUSES.includes(res.status) ? 'status ' + res.status : '');
  const outcome = success ? (degraded ? 'degraded' : 'ok') : 'error';
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
