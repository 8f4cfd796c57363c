// Checks a system declaration at the edge and resolves it (system.ts). Every problem is collected
// and reported at once, each naming the file, the field, the value and what is allowed:
//   examples/notes/system.ts: edges[2] "api->dbb": "dbb" is not a part; parts are: api, db, cache

import { dirname } from 'node:path';
import { InputProblems, unknownFields } from '../fields.ts';
import type { ComposeSystem } from './compose.ts';
import { type EndpointInput, PART_KINDS, type ParamInput, type PartInput, type SystemInput } from './define.ts';
import type { EdgeProtocol, EdgeSpec, Endpoint, InstanceSpec, MetricsSpec, Pattern, ResolvedPart, System } from './system.ts';
import { templateEdges } from './template.ts';

/** A system declaration or compose file that failed validation (exit 2: invalid system). */
export class SystemError extends InputProblems {}

export const POSTGRES_PORT = 5432;
export const REDIS_PORT = 6379;
export const MAX_REPLICAS = 16;
const NAME = /^[a-z][a-z0-9-]*$/;
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
const SYSTEM_FIELDS = [
  'name',
  'description',
  'compose',
  'parts',
  'edges',
  'entry',
  'endpoints',
  'tenants',
  'priorities',
  'degraded',
  'switches',
  'metrics',
  'poison',
  'checks',
] as const satisfies readonly (keyof SystemInput)[];
const SERVICE_FIELDS = ['kind', 'command', 'image', 'build', 'port', 'env', 'readiness', 'replicas', 'probePath', 'behaviourSwitch', 'metrics'] as const;
const ENDPOINT_FIELDS = ['method', 'path', 'params', 'body', 'headers', 'idempotencyKey', 'creates'] as const satisfies readonly (keyof EndpointInput)[];
const TEMPLATE_VARIABLES = ['port', 'host', 'replica', 'node', 'root', 'disabled'];

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (names: readonly string[]): string => names.join(', ') || '(none)';
const json = (v: unknown): string => {
  if (typeof v === 'function') return 'a function';
  if (typeof v === 'bigint') return `${v}n`;
  try {
    return JSON.stringify(v, (_, x: unknown) => (typeof x === 'bigint' ? `${x}n` : x)) ?? String(v);
  } catch {
    return 'a value that refers to itself'; // JSON.stringify throws on a cycle
  }
};
const isPort = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 65535;
const isStringList = (v: unknown): v is string[] => Array.isArray(v) && v.length > 0 && v.every((s) => typeof s === 'string' && s !== '');

/** `{param}` placeholders in a path or a body string. */
export const placeholders = (text: string): string[] => [...text.matchAll(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g)].map((m) => m[1] as string);

export function instancesOf(part: string, replicas: number): InstanceSpec[] {
  return Array.from({ length: replicas }, (_, i) => ({ name: replicas === 1 ? part : `${part}-${i + 1}`, part, replica: i + 1 }));
}

/**
 * Checks a system module's default export; throws SystemError listing every problem. `shown` is
 * how the file is named in messages; `compose` is the parsed compose file the declaration names.
 */
export function validateSystem(raw: unknown, file: string, shown = file, compose?: ComposeSystem): System {
  const problems: string[] = [];
  const bad = (field: string, text: string): void => void problems.push(`${shown}: ${field}${text.startsWith(':') ? '' : ' '}${text}`);
  if (!isRecord(raw)) throw new SystemError([`${shown}: the default export is not a system declaration (use export default defineSystem({...}))`]);
  for (const p of unknownFields(raw, SYSTEM_FIELDS, 'a system')) bad(p.field, p.text);
  if (typeof raw.name !== 'string' || !NAME.test(raw.name)) bad('name', `${json(raw.name)} must be lower-case words joined by '-', like 'shop'`);
  if (raw.description !== undefined && typeof raw.description !== 'string') bad('description', 'must be a sentence');
  if (raw.compose !== undefined && (typeof raw.compose !== 'string' || raw.compose === ''))
    bad('compose', `${json(raw.compose)} must be the path of a docker-compose.yml, relative to ${shown}`);

  // ---- parts
  const parts: Record<string, ResolvedPart> = {};
  if (!isRecord(raw.parts) || Object.keys(raw.parts).length === 0)
    bad('parts', 'must name at least one part: { api: { kind: "service", ... }, db: { kind: "postgres" } }');
  else
    for (const [name, input] of Object.entries(raw.parts)) {
      const at = `parts.${name}`;
      if (!NAME.test(name)) bad(at, `: "${name}" is not a part name: lower-case words joined by '-', starting with a letter`);
      const part = resolvePart(name, input, at, bad, compose !== undefined);
      if (part !== undefined) parts[name] = part;
    }
  const instances = Object.values(parts).flatMap((p) => p.instances);
  const seen = new Map<string, InstanceSpec>();
  for (const i of instances) {
    const other = seen.get(i.name);
    const [replica, plain] = i.name === i.part ? [other, i] : [i, other];
    if (other !== undefined && other.part !== i.part && replica !== undefined && plain !== undefined)
      bad(
        `parts.${plain.part}`,
        `is also the name of replica ${replica.replica} of the part ${replica.part} (replicas: ${parts[replica.part]?.instances.length}); rename one of them`,
      );
    seen.set(i.name, i);
  }
  const partNames = Object.keys(isRecord(raw.parts) ? raw.parts : {});
  const services = Object.values(parts)
    .filter((p) => p.kind === 'service')
    .map((p) => p.name);

  // ---- edges
  const edges: EdgeSpec[] = [];
  const pairs = new Set<string>();
  if (!Array.isArray(raw.edges)) bad('edges', 'must be a list of "caller->callee" (it may be empty)');
  else
    raw.edges.forEach((e: unknown, i: number) => {
      const at = `edges[${i}]`;
      const m = typeof e === 'string' ? /^([^-\s>]+(?:-[^-\s>]+)*)->([^\s>]+)$/.exec(e) : null;
      if (m === null) return bad(at, `${json(e)} is not an edge: write "caller->callee", e.g. "api->db"`);
      const [, from, to] = m as unknown as [string, string, string];
      if (!partNames.includes(from)) return bad(at, `${json(e)}: "${from}" is not a part; parts are: ${list(partNames)}`);
      if (!partNames.includes(to)) return bad(at, `${json(e)}: "${to}" is not a part; parts are: ${list(partNames)}`);
      if (from === to) return bad(at, `${json(e)}: a part does not call itself through a proxy`);
      const caller = parts[from];
      const callee = parts[to];
      if (caller === undefined || callee === undefined) return;
      if (caller.kind !== 'service')
        return bad(at, `${json(e)}: ${from} is a ${caller.kind}, and only a service part calls others; services are: ${list(services)}`);
      if (pairs.has(`${from}->${to}`)) return bad(at, `${json(e)} is listed twice`);
      pairs.add(`${from}->${to}`);
      edges.push(...edgesInto(from, callee));
    });
  const cycle = findCycle(services, edges);
  if (cycle !== undefined) bad('edges', `form a cycle (${cycle.join(' -> ')}): each service must be able to start after the services it calls`);

  // env templates may only name this part's own edges
  for (const part of Object.values(parts)) {
    if (part.kind !== 'service') continue;
    for (const [key, value] of Object.entries(part.env ?? {})) {
      for (const ref of templateEdges(value)) {
        if (ref.error !== undefined)
          bad(`parts.${part.name}.env.${key}`, `${json(value)}: ${ref.error}; variables are: edge "a->b", ${TEMPLATE_VARIABLES.join(', ')}`);
        else if (!pairs.has(ref.edge) && !edges.some((x) => x.name === ref.edge))
          bad(`parts.${part.name}.env.${key}`, `${json(value)} names the edge "${ref.edge}", which is not declared; edges are: ${list([...pairs])}`);
        else if (!ref.edge.startsWith(`${part.name}->`))
          bad(`parts.${part.name}.env.${key}`, `${json(value)} names the edge "${ref.edge}", which is not ${part.name}'s own: a part dials only its own edges`);
      }
    }
  }

  // ---- entry
  const entry = raw.entry;
  if (typeof entry !== 'string' || !services.includes(entry))
    bad('entry', `${json(entry)} is not a service part; the load is sent to one of: ${list(services)}`);
  else if ((parts[entry]?.instances.length ?? 1) > 1)
    bad('entry', `"${entry}" runs ${parts[entry]?.instances.length} replicas; the load is sent to one address: put one part in front of them`);

  // ---- endpoints
  const endpoints: Record<string, Endpoint> = {};
  const endpointNames = isRecord(raw.endpoints) ? Object.keys(raw.endpoints) : [];
  if (!isRecord(raw.endpoints) || endpointNames.length === 0)
    bad('endpoints', 'must name at least one endpoint the load drives: { "GET /items/:id": { path: "/items/{id}", params: { id: { int: [1, 100] } } } }');
  else
    for (const [name, input] of Object.entries(raw.endpoints)) {
      const endpoint = resolveEndpoint(name, input, `endpoints["${name}"]`, bad, endpointNames, raw.endpoints);
      if (endpoint !== undefined) endpoints[name] = endpoint;
    }

  // ---- tenants, priorities, degraded
  const tenants = namedHeader(raw.tenants, 'tenants', bad);
  const priorities = namedHeader(raw.priorities, 'priorities', bad, true);
  if (priorities !== undefined && isRecord(raw.priorities) && !priorities.names.includes(raw.priorities.default as string))
    bad('priorities.default', `${json(raw.priorities.default)} is not one of the priorities: ${list(priorities.names)}`);
  const degraded: System['degraded'] = { statuses: [] };
  if (raw.degraded !== undefined) {
    if (!isRecord(raw.degraded)) bad('degraded', 'must be { header?: "x-degraded", statuses?: [203] }');
    else {
      for (const p of unknownFields(raw.degraded, ['header', 'statuses'], 'degraded')) bad(`degraded.${p.field}`, p.text);
      if (raw.degraded.header !== undefined && (typeof raw.degraded.header !== 'string' || !/^[A-Za-z0-9-]+$/.test(raw.degraded.header)))
        bad('degraded.header', `${json(raw.degraded.header)} is not an HTTP header name`);
      else if (raw.degraded.header !== undefined) degraded.header = raw.degraded.header;
      const statuses = raw.degraded.statuses;
      if (statuses !== undefined && (!Array.isArray(statuses) || !statuses.every((s) => Number.isInteger(s) && s >= 200 && s < 300)))
        bad('degraded.statuses', `${json(statuses)} must be a list of 2xx statuses (a degraded answer is still an answer)`);
      else if (statuses !== undefined) degraded.statuses = statuses as number[];
    }
  }

  // ---- switches
  const patterns: Record<string, Pattern> = {};
  let switchEnv: string | undefined;
  if (raw.switches !== undefined) {
    const s = raw.switches;
    if (!isRecord(s) || !isRecord(s.patterns)) bad('switches', 'must be { env?: "RESILIENCE_DISABLE", patterns: { retry: "what it does", ... } }');
    else {
      for (const p of unknownFields(s, ['env', 'patterns'], 'switches')) bad(`switches.${p.field}`, p.text);
      if (s.env !== undefined && (typeof s.env !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(s.env)))
        bad('switches.env', `${json(s.env)} is not an environment variable name`);
      else switchEnv = s.env as string | undefined;
      for (const [name, value] of Object.entries(s.patterns)) {
        const at = `switches.patterns.${name}`;
        if (!NAME.test(name)) bad(at, `: "${name}" is not a pattern name: lower-case words joined by '-'`);
        if (typeof value === 'string') patterns[name] = { description: value, env: {} };
        else if (
          isRecord(value) &&
          typeof value.description === 'string' &&
          (value.env === undefined || (isRecord(value.env) && Object.values(value.env).every((v) => typeof v === 'string')))
        )
          patterns[name] = { description: value.description, env: (value.env ?? {}) as Record<string, string> };
        else bad(at, `${json(value)} must be a description, or { description, env: { VARIABLE: 'value' } }`);
        if (switchEnv === undefined && patterns[name] !== undefined && Object.keys(patterns[name].env).length === 0)
          bad(at, `has no way to be switched off: give switches.env (one variable listing the switched-off patterns) or env for this pattern`);
      }
    }
  }

  // ---- metrics
  let metrics: MetricsSpec | undefined;
  if (raw.metrics !== undefined) {
    const m = raw.metrics;
    if (!isRecord(m)) bad('metrics', 'must be { path?: "/metrics", series?: { requests, calls, retries, breakerTransitions }, keep?: [...] }');
    else {
      for (const p of unknownFields(m, ['path', 'series', 'keep', 'show', 'phaseCounters'], 'metrics')) bad(`metrics.${p.field}`, p.text);
      if (m.path !== undefined && (typeof m.path !== 'string' || !m.path.startsWith('/')))
        bad('metrics.path', `${json(m.path)} must be a path starting with '/'`);
      const series: MetricsSpec['series'] = {};
      if (m.series !== undefined && !isRecord(m.series)) bad('metrics.series', 'must be { requests?, calls?, retries?, breakerTransitions? }');
      else
        for (const [key, value] of Object.entries(m.series ?? {})) {
          if (!['requests', 'calls', 'retries', 'breakerTransitions'].includes(key))
            bad(`metrics.series.${key}`, 'is not a series the checks read; they read: requests, calls, retries, breakerTransitions');
          else if (typeof value !== 'string' || !/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(value))
            bad(`metrics.series.${key}`, `${json(value)} is not a Prometheus metric name (letters, digits, '_' and ':', not starting with a digit)`);
          else series[key as keyof MetricsSpec['series']] = value;
        }
      if (m.keep !== undefined && !(Array.isArray(m.keep) && m.keep.every((k) => typeof k === 'string'))) bad('metrics.keep', 'must be a list of metric names');
      const show = Array.isArray(m.show) ? m.show : [];
      if (
        m.show !== undefined &&
        !(
          Array.isArray(m.show) &&
          m.show.every(
            (r) =>
              isRecord(r) &&
              typeof r.series === 'string' &&
              typeof r.title === 'string' &&
              (r.by === undefined || (Array.isArray(r.by) && r.by.every((l) => typeof l === 'string'))),
          )
        )
      )
        bad('metrics.show', 'must be a list of { series, title, by?: [labels] }');
      if (m.phaseCounters !== undefined && !(Array.isArray(m.phaseCounters) && m.phaseCounters.every((k) => typeof k === 'string')))
        bad('metrics.phaseCounters', 'must be a list of counter names');
      const scraped = Object.values(parts)
        .filter((p) => p.kind === 'service' && p.metrics !== false)
        .map((p) => p.name);
      const phaseCounters = Array.isArray(m.phaseCounters)
        ? m.phaseCounters.filter((k): k is string => typeof k === 'string')
        : series.breakerTransitions === undefined
          ? []
          : [series.breakerTransitions];
      metrics = {
        path: (m.path as string | undefined) ?? '/metrics',
        series,
        keep: [...new Set([...Object.values(series), ...(Array.isArray(m.keep) ? (m.keep as string[]) : []), ...phaseCounters])],
        parts: scraped,
        show: show.filter(isRecord).map((r) => ({ series: r.series as string, title: r.title as string, by: (r.by as string[] | undefined) ?? [] })),
        phaseCounters,
      };
    }
  }

  // ---- poison payloads and the system's own checks
  const poison: Record<string, Record<string, string>> = {};
  if (raw.poison !== undefined) {
    if (!isRecord(raw.poison)) bad('poison', 'must be { "GET /search": { q: "poison:{tenant}" } }');
    else
      for (const [endpoint, params] of Object.entries(raw.poison)) {
        if (!endpointNames.includes(endpoint)) bad(`poison["${endpoint}"]`, `is not an endpoint; endpoints are: ${list(endpointNames)}`);
        else if (!isRecord(params) || !Object.values(params).every((v) => typeof v === 'string'))
          bad(`poison["${endpoint}"]`, 'must give parameter values, e.g. { q: "poison:{tenant}" }');
        else {
          const known = Object.keys(endpoints[endpoint]?.params ?? {});
          for (const key of Object.keys(params))
            if (!known.includes(key)) bad(`poison["${endpoint}"].${key}`, `is not a parameter of ${endpoint}; its parameters are: ${list(known)}`);
          poison[endpoint] = params as Record<string, string>;
        }
      }
  }
  const checks: System['checks'][number][] = [];
  if (raw.checks !== undefined) {
    if (!Array.isArray(raw.checks)) bad('checks', 'must be a list of checks: { name, when: { endpoint }, run(context) }');
    else
      raw.checks.forEach((c: unknown, i: number) => {
        if (!isRecord(c) || typeof c.name !== 'string' || typeof c.run !== 'function' || !isRecord(c.when))
          return bad(`checks[${i}]`, 'must be { name, when: { endpoint }, run(context) }');
        if (!endpointNames.includes(c.when.endpoint as string))
          return bad(`checks[${i}].when.endpoint`, `${json(c.when.endpoint)} is not an endpoint; endpoints are: ${list(endpointNames)}`);
        checks.push(c as unknown as System['checks'][number]);
      });
  }
  for (const part of Object.values(parts))
    if (part.kind === 'service' && part.behaviourSwitch !== undefined && !(typeof part.behaviourSwitch === 'string' && part.behaviourSwitch.startsWith('/')))
      bad(`parts.${part.name}.behaviourSwitch`, `${json(part.behaviourSwitch)} must be a path prefix starting with '/', like '/admin'`);
  if (compose !== undefined)
    for (const name of Object.keys(parts))
      if (!Object.hasOwn(compose.services, name))
        bad(`parts.${name}`, `is not a service of the compose file ${compose.file}; its services are: ${list(Object.keys(compose.services))}`);

  if (problems.length > 0) throw new SystemError(problems);
  const system: System = {
    name: raw.name as string,
    description: (raw.description as string | undefined) ?? '',
    file,
    root: dirname(file),
    parts,
    instances,
    edges,
    entry: entry as string,
    endpoints,
    degraded,
    patterns,
    poison,
    checks,
    ...(tenants === undefined ? {} : { tenants }),
    ...(priorities === undefined ? {} : { priorities: { ...priorities, default: (raw.priorities as { default: string }).default } }),
    ...(switchEnv === undefined ? {} : { switchEnv }),
    ...(metrics === undefined ? {} : { metrics }),
    ...(compose === undefined ? {} : { compose }),
  };
  return system;
}

function resolvePart(name: string, input: unknown, at: string, bad: (field: string, text: string) => void, fromCompose: boolean): ResolvedPart | undefined {
  if (!isRecord(input)) return void bad(at, `must be a part: { kind: ${PART_KINDS.map((k) => `'${k}'`).join(' | ')}, ... }`);
  const kind = input.kind as PartInput['kind'];
  if (!PART_KINDS.includes(kind)) return void bad(`${at}.kind`, `${json(input.kind)} is not a part kind; kinds are: ${list(PART_KINDS)}`);
  if (kind === 'postgres' || kind === 'redis') {
    for (const p of unknownFields(input, ['kind'], `a ${kind} part`)) bad(`${at}.${p.field}`, p.text);
    return { name, kind, port: kind === 'postgres' ? POSTGRES_PORT : REDIS_PORT, instances: instancesOf(name, 1) } as ResolvedPart;
  }
  let ok = true;
  const fail = (field: string, text: string): void => {
    ok = false;
    bad(field, text);
  };
  for (const p of unknownFields(input, SERVICE_FIELDS, 'a service part')) fail(`${at}.${p.field}`, p.text);
  if (!isPort(input.port)) fail(`${at}.port`, `${json(input.port)} must be the TCP port it listens on, a whole number in 1..65535`);
  if (input.command !== undefined && !isStringList(input.command))
    fail(`${at}.command`, `${json(input.command)} must be a non-empty list of strings (argv), e.g. ["python3", "app.py"]`);
  if (input.image !== undefined && (typeof input.image !== 'string' || input.image === '')) fail(`${at}.image`, `${json(input.image)} must be an image name`);
  if (
    input.build !== undefined &&
    !(isRecord(input.build) && typeof input.build.context === 'string' && (input.build.dockerfile === undefined || typeof input.build.dockerfile === 'string'))
  )
    fail(`${at}.build`, `${json(input.build)} must be { context: 'folder', dockerfile?: 'Dockerfile' }`);
  if (input.command === undefined && input.image === undefined && input.build === undefined && !fromCompose)
    fail(at, 'says neither how to run it (command, for the local runtime) nor what to run (image or build, for docker); give at least a command');
  const replicas = input.replicas ?? 1;
  if (!Number.isInteger(replicas) || (replicas as number) < 1 || (replicas as number) > MAX_REPLICAS)
    fail(`${at}.replicas`, `${json(input.replicas)} must be a whole number in 1..${MAX_REPLICAS}`);
  if (input.env !== undefined && !(isRecord(input.env) && Object.values(input.env).every((v) => typeof v === 'string')))
    fail(`${at}.env`, 'must map variable names to strings (numbers too must be written as strings, e.g. "8080")');
  const r = input.readiness;
  const readinessOk =
    isRecord(r) &&
    ((typeof r.http === 'string' &&
      r.http.startsWith('/') &&
      Object.keys(r).every((k) => k === 'http' || k === 'pid') &&
      (r.pid === undefined || typeof r.pid === 'boolean')) ||
      (r.tcp === true && Object.keys(r).length === 1) ||
      (isStringList(r.command) && Object.keys(r).length === 1));
  if (!readinessOk)
    fail(
      `${at}.readiness`,
      `${json(r)} must say how to tell it is ready: { http: '/health' } (200 answers), { tcp: true } (a connect is accepted) or { command: ['pg_isready'] } (exits 0)`,
    );
  if (input.probePath !== undefined && !(typeof input.probePath === 'string' && input.probePath.startsWith('/')))
    fail(`${at}.probePath`, `${json(input.probePath)} must be a path starting with '/'`);
  if (input.metrics !== undefined && typeof input.metrics !== 'boolean') fail(`${at}.metrics`, `${json(input.metrics)} must be true or false`);
  if (!ok) return undefined;
  const { kind: _kind, readiness, ...rest } = input as unknown as Extract<PartInput, { kind: 'service' }>;
  return { ...rest, name, kind: 'service', readiness, instances: instancesOf(name, replicas as number) };
}

function protocolOf(part: ResolvedPart): EdgeProtocol {
  if (part.kind !== 'service') return part.kind;
  return 'http' in part.readiness || part.probePath !== undefined ? 'http' : 'tcp';
}

function edgesInto(from: string, callee: ResolvedPart): EdgeSpec[] {
  const port = callee.kind === 'service' ? (callee.port as number) : callee.port;
  const probePath = callee.kind === 'service' ? (callee.probePath ?? ('http' in callee.readiness ? callee.readiness.http : undefined)) : undefined;
  return callee.instances.map((i) => ({
    name: `${from}->${i.name}`,
    from,
    to: callee.name,
    proxy: `${from}_to_${i.name}`.replace(/-/g, '_'),
    instance: i.name,
    protocol: protocolOf(callee),
    port,
    ...(probePath === undefined ? {} : { probePath }),
  }));
}

function findCycle(services: readonly string[], edges: readonly EdgeSpec[]): string[] | undefined {
  const done = new Set<string>();
  const visit = (name: string, path: string[]): string[] | undefined => {
    if (path.includes(name)) return [...path.slice(path.indexOf(name)), name];
    if (done.has(name)) return undefined;
    for (const e of edges)
      if (e.from === name && services.includes(e.to)) {
        const found = visit(e.to, [...path, name]);
        if (found) return found;
      }
    done.add(name);
    return undefined;
  };
  for (const s of services) {
    const found = visit(s, []);
    if (found) return found;
  }
  return undefined;
}

function namedHeader(
  raw: unknown,
  field: 'tenants' | 'priorities',
  bad: (field: string, text: string) => void,
  withDefault = false,
): { header: string; names: readonly string[] } | undefined {
  if (raw === undefined) return undefined;
  const shape = withDefault
    ? '{ header: "x-priority", names: ["critical", "normal"], default: "normal" }'
    : '{ header: "x-tenant", names: ["acme", "globex"] }';
  if (!isRecord(raw)) return void bad(field, `must be ${shape}`);
  for (const p of unknownFields(raw, withDefault ? ['header', 'names', 'default'] : ['header', 'names'], field)) bad(`${field}.${p.field}`, p.text);
  let ok = true;
  if (typeof raw.header !== 'string' || !/^[A-Za-z0-9-]+$/.test(raw.header)) {
    ok = false;
    bad(`${field}.header`, `${json(raw.header)} is not an HTTP header name`);
  }
  if (!isStringList(raw.names) || raw.names.some((n) => !/^[A-Za-z0-9_-]+$/.test(n))) {
    ok = false;
    bad(`${field}.names`, `${json(raw.names)} must be a non-empty list of names (letters, digits, '-' and '_')`);
  } else if (new Set(raw.names).size !== raw.names.length) {
    ok = false;
    bad(
      `${field}.names`,
      `${json(raw.names)} names "${raw.names.find((n, i) => (raw.names as string[]).indexOf(n) !== i)}" twice; each name must be different`,
    );
  }
  return ok ? { header: raw.header as string, names: raw.names as string[] } : undefined;
}

function resolveEndpoint(
  name: string,
  input: unknown,
  at: string,
  bad: (field: string, text: string) => void,
  endpointNames: readonly string[],
  all: Record<string, unknown>,
): Endpoint | undefined {
  const m = /^([A-Z]+) (\/\S*)$/.exec(name);
  if (m === null || !(METHODS as readonly string[]).includes(m[1] as string))
    return void bad(at, `: "${name}" is not an endpoint name: write "METHOD /path", e.g. "GET /items/:id"; methods are: ${list(METHODS)}`);
  if (!isRecord(input)) return void bad(at, 'must be { path, params?, body?, headers? }');
  let ok = true;
  const fail = (field: string, text: string): void => {
    ok = false;
    bad(field, text);
  };
  for (const p of unknownFields(input, ENDPOINT_FIELDS, 'an endpoint')) fail(`${at}.${p.field}`, p.text);
  const method = (input.method ?? m[1]) as Endpoint['method'];
  if (!(METHODS as readonly string[]).includes(method)) fail(`${at}.method`, `${json(input.method)} is not a method; methods are: ${list(METHODS)}`);
  if (typeof input.path !== 'string' || !input.path.startsWith('/'))
    return void fail(`${at}.path`, `${json(input.path)} must be a path starting with '/', with {param} placeholders, e.g. '/items/{id}'`);
  const params = isRecord(input.params) ? input.params : {};
  if (input.params !== undefined && !isRecord(input.params)) fail(`${at}.params`, 'must map parameter names to how they are drawn: { id: { int: [1, 100] } }');
  for (const [param, spec] of Object.entries(params)) {
    const problem = paramProblem(spec as ParamInput, endpointNames, all);
    if (problem) fail(`${at}.params.${param}`, problem);
  }
  const bodyText = isRecord(input.body) ? json(input.body) : '';
  if (input.body !== undefined && !isRecord(input.body)) fail(`${at}.body`, 'must be a JSON object');
  for (const used of new Set([...placeholders(input.path), ...placeholders(bodyText)]))
    if (!(used in params)) fail(`${at}`, `uses {${used}}, but params has no ${used}; params are: ${list(Object.keys(params))}`);
  if (input.headers !== undefined && !(isRecord(input.headers) && Object.values(input.headers).every((v) => typeof v === 'string')))
    fail(`${at}.headers`, 'must map header names to strings');
  if (input.idempotencyKey !== undefined && (typeof input.idempotencyKey !== 'string' || !/^[A-Za-z0-9-]+$/.test(input.idempotencyKey)))
    fail(`${at}.idempotencyKey`, `${json(input.idempotencyKey)} is not an HTTP header name`);
  if (input.creates !== undefined && !(isRecord(input.creates) && typeof input.creates.locationPrefix === 'string'))
    fail(`${at}.creates`, 'must be { locationPrefix: "/orders/" }');
  if (!ok) return undefined;
  return {
    name,
    method,
    path: input.path,
    params: params as Record<string, ParamInput>,
    headers: (input.headers ?? {}) as Record<string, string>,
    ...(input.body === undefined ? {} : { body: input.body as Record<string, unknown> }),
    ...(input.idempotencyKey === undefined ? {} : { idempotencyKey: input.idempotencyKey as string }),
    ...(input.creates === undefined ? {} : { creates: input.creates as { locationPrefix: string } }),
  };
}

/** What is wrong with one parameter's draw, or undefined. */
export function paramProblem(spec: unknown, endpointNames: readonly string[], all: Record<string, unknown>): string | undefined {
  const shapes = "{ int: [1, 100] }, { oneOf: ['a', 'b'] } or { created: 'POST /items', setup?: 20 }";
  if (!isRecord(spec) || Object.keys(spec).length === 0) return `${json(spec)} must be one of ${shapes}`;
  if ('int' in spec) {
    const r = spec.int;
    if (Object.keys(spec).length !== 1 || !Array.isArray(r) || r.length !== 2 || !r.every(Number.isInteger) || (r[0] as number) > (r[1] as number))
      return `${json(spec)}: int must be [min, max], whole numbers with min <= max`;
    return undefined;
  }
  if ('oneOf' in spec)
    return Object.keys(spec).length === 1 && isStringList(spec.oneOf) ? undefined : `${json(spec)}: oneOf must be a non-empty list of strings`;
  if ('created' in spec) {
    if (!endpointNames.includes(spec.created as string))
      return `${json(spec)}: ${json(spec.created)} is not an endpoint; endpoints are: ${list(endpointNames)}`;
    const maker = all[spec.created as string];
    if (!isRecord(maker) || maker.creates === undefined) return `${json(spec)}: ${String(spec.created)} creates nothing (give it creates: { locationPrefix })`;
    if (spec.setup !== undefined && !(Number.isInteger(spec.setup) && (spec.setup as number) >= 0 && (spec.setup as number) <= 1000))
      return `${json(spec)}: setup must be a whole number in 0..1000`;
    return Object.keys(spec).every((k) => k === 'created' || k === 'setup') ? undefined : `${json(spec)} must be one of ${shapes}`;
  }
  return `${json(spec)} must be one of ${shapes}`;
}
