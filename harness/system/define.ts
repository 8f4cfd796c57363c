// A system under test, as data: its parts, the edges between them (each its own Toxiproxy proxy),
// the entry point and endpoints the load drives, tenants and priorities, what marks a degraded
// answer, the resilience switches, the metrics the cascade checks read, and checks of its own.
// `defineSystem` only types it (write `as const` after the object, or let inference keep the
// literal names, so scenarios get completion); `validateSystem` (validate.ts) checks it at the edge.
//
//   export default defineSystem({
//     name: 'shop',
//     parts: { postgres: { kind: 'postgres' }, api: { kind: 'service', command: [...], port: 8080, ... } },
//     edges: ['api->postgres'],
//     entry: 'api',
//     endpoints: { 'GET /items/:id': { path: '/items/{id}', params: { id: { int: [1, 100] } } } },
//   });

import type { CheckResult } from '../types.ts';

/** How the harness knows a part is ready to serve. */
export type ReadinessInput =
  /** GET <path> answers 200; `pid`: the body is JSON with the process id, which must be ours (local) */
  | { http: string; pid?: boolean }
  /** a TCP connect to its port is accepted */
  | { tcp: true }
  /** a command that exits 0 once the part is ready (local: on the host; docker: inside the container) */
  | { command: readonly string[] };

/**
 * A process of the system: its own code or any program with a port. `env` values are templates:
 * `{{edge "a->b"}}` (host:port the caller dials for that edge; a comma list for a replicated
 * callee; `{{edge "a->b" prefix="http://"}}` puts the prefix before each), `{{port}}`, `{{host}}`,
 * `{{replica}}` (1-based), `{{node}}` (a Node >= 24 binary), `{{root}}` (the system's folder) and
 * `{{disabled}}` (the switched-off patterns, comma separated).
 */
export interface ServicePartInput {
  kind: 'service';
  /** argv for the local runtime (and, with neither image nor build, run in faultline's node image on docker) */
  command?: readonly string[];
  /** docker: an image that is present on the engine */
  image?: string;
  /** docker: a Dockerfile build; paths are relative to the system file's folder */
  build?: { context: string; dockerfile?: string };
  /** the port it listens on (docker: in its container; local: the default when {{port}} is not used) */
  port: number;
  env?: Readonly<Record<string, string>>;
  readiness: ReadinessInput;
  /** processes of it, each its own part (`api-1`, `api-2`) and each reached by its own edge; default 1 */
  replicas?: number;
  /** the path a probe across an edge into it asks (HTTP GET; default: the readiness path) */
  probePath?: string;
  /** it serves faultline's behaviour switch (GET/POST <prefix>/behaviour, GET <prefix>/stats): the flaky fault can aim at it */
  behaviourSwitch?: string;
  /** it serves Prometheus metrics at the system's metrics path (default: true when the system declares metrics) */
  metrics?: boolean;
}

/** Postgres, as faultline runs it: user and database `faultline`, trust authentication. */
export interface PostgresPartInput {
  kind: 'postgres';
}

/** Redis, as faultline runs it: no password, nothing persisted. */
export interface RedisPartInput {
  kind: 'redis';
}

export type PartInput = ServicePartInput | PostgresPartInput | RedisPartInput;
export const PART_KINDS = ['service', 'postgres', 'redis'] as const;

/** How a path or body parameter is drawn for each request. */
export type ParamInput =
  /** a whole number drawn uniformly from [min, max] */
  | { int: readonly [number, number] }
  /** one of these strings, uniformly */
  | { oneOf: readonly string[] }
  /** an id an earlier answer of `endpoint` created (see EndpointInput.creates); `setup` of them are made before the load */
  | { created: string; setup?: number };

export interface EndpointInput {
  /** default: the method in the endpoint's name ('GET /items/:id') */
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** the path with {param} placeholders and, optionally, a query: '/search?q={word}' */
  path: string;
  params?: Readonly<Record<string, ParamInput>>;
  /** a JSON body; string values may hold {param} placeholders (a value that is exactly '{param}' keeps its type) */
  body?: Readonly<Record<string, unknown>>;
  headers?: Readonly<Record<string, string>>;
  /** each request carries a key unique to it in this header (writes that must happen exactly once) */
  idempotencyKey?: string;
  /** a 2xx answer created something: its id is the part of the Location header after this prefix */
  creates?: { locationPrefix: string };
}

/** A switchable resilience pattern: a description, and how to turn it off besides the list variable. */
export type PatternInput = string | { description: string; env?: Readonly<Record<string, string>> };

export interface SwitchesInput {
  /** every service part gets this variable with the switched-off patterns, comma separated */
  env?: string;
  patterns: Readonly<Record<string, PatternInput>>;
}

/** Prometheus series the cascade checks read; each labelled by `dependency` (and breaker transitions by `to`). */
export interface MetricsInput {
  /** default '/metrics' */
  path?: string;
  series?: {
    /** requests the entry part served (retry amplification per request) */
    requests?: string;
    /** calls a part made to a dependency, retries included: label dependency */
    calls?: string;
    /** retries among those calls: label dependency */
    retries?: string;
    /** breaker state changes: labels dependency and to (to="open") */
    breakerTransitions?: string;
  };
  /** other series families to keep from each scrape (shown in the report's cascade section) */
  keep?: readonly string[];
  /** how the report's cascade section shows kept counters: a title, and the labels that split a family into rows */
  show?: readonly { series: string; by?: readonly string[]; title: string }[];
  /** counters whose rise per phase the report shows (default: breakerTransitions) */
  phaseCounters?: readonly string[];
}

/** What a system-specific check gets once the load is over and every fault is removed. */
export interface SystemCheckContext {
  /** how the harness reaches each edge from outside (loopback host:port), by edge name */
  edges: Readonly<Record<string, { listen: string }>>;
  /** what each `creates` endpoint answered 2xx: its idempotency key and the created id ('' when the answer had none) */
  created: Readonly<Record<string, readonly { key: string; id: string }[]>>;
  /** requests sent per endpoint by the base load */
  sent: Readonly<Record<string, number>>;
}

/** A check only this system makes (the shop: every acknowledged order is in Postgres exactly once). */
export interface SystemCheck {
  name: string;
  /** runs only when the scenario's load sends to this endpoint */
  when: { endpoint: string };
  run(context: SystemCheckContext): Promise<CheckResult>;
}

export interface SystemInput {
  /** lower-case words joined by '-'; scenarios name it in `system` */
  name: string;
  description?: string;
  /**
   * a docker-compose.yml (relative to this file) the docker runtime boots the parts from, with
   * Toxiproxy put in front of every edge transparently (the callee's name reaches the proxy)
   */
  compose?: string;
  parts: Readonly<Record<string, PartInput>>;
  /** `caller->callee`; a service part may call a replicated one: one edge per replica */
  edges: readonly string[];
  /** the part the load is sent to */
  entry: string;
  /** keyed 'METHOD /path' as scenarios name them */
  endpoints: Readonly<Record<string, EndpointInput>>;
  tenants?: { header: string; names: readonly string[] };
  priorities?: { header: string; names: readonly string[]; default: string };
  /** an answer is degraded (served by a fallback) when it carries this header, or has one of these statuses */
  degraded?: { header?: string; statuses?: readonly number[] };
  switches?: SwitchesInput;
  metrics?: MetricsInput;
  /** system-specific payloads a poison-pill fault sends: endpoint -> parameter values ({tenant} is the sender) */
  poison?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  checks?: readonly SystemCheck[];
}

export function defineSystem<const S extends SystemInput>(input: S): S {
  return input;
}

/** Type helpers for scenario files: the names a system declares. */
export type EndpointName<S extends SystemInput> = Extract<keyof S['endpoints'], string>;
export type PartName<S extends SystemInput> = Extract<keyof S['parts'], string>;
export type PatternName<S extends SystemInput> = S['switches'] extends SwitchesInput ? Extract<keyof S['switches']['patterns'], string> : never;
export type TenantName<S extends SystemInput> = S['tenants'] extends { names: readonly (infer T)[] } ? T : never;
