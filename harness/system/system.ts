// A validated system, as the harness uses it inside: every part with its running instances, every
// edge with its Toxiproxy proxy name and the protocol its probes speak, endpoints with their
// methods, and the optional parts (tenants, priorities, switches, metrics) resolved to defaults.
// Made only by validateSystem (validate.ts); inside the harness it is trusted.

import type { ComposeSystem } from './compose.ts';
import type { EndpointInput, ParamInput, PartInput, ReadinessInput, ServicePartInput, SystemCheck } from './define.ts';

/** One running unit: a dependency, or one replica of a service (`api-1`, `api-2`; a single one is named as its part). */
export interface InstanceSpec {
  name: string;
  part: string;
  /** 1-based */
  replica: number;
}

/** What a probe across an edge speaks: the callee's own protocol. */
export type EdgeProtocol = 'postgres' | 'redis' | 'http' | 'tcp';

export interface EdgeSpec {
  /** `from->to`, the name scenarios use; `from->to-2` for one replica of a replicated callee */
  name: string;
  from: string;
  /** the callee part */
  to: string;
  /** Toxiproxy proxy name, `<from>_to_<to>` (Toxiproxy allows no '>' in names) */
  proxy: string;
  /** the callee instance this edge reaches (itself, or one replica) */
  instance: string;
  protocol: EdgeProtocol;
  /** the port the callee listens on (in its container on docker) */
  port: number;
  /** HTTP callee: the path a probe asks */
  probePath?: string;
}

export type ResolvedPart =
  | { name: string; kind: 'postgres'; port: number; instances: InstanceSpec[] }
  | { name: string; kind: 'redis'; port: number; instances: InstanceSpec[] }
  | ({ name: string; kind: 'service'; instances: InstanceSpec[]; readiness: ReadinessInput } & Omit<ServicePartInput, 'kind' | 'readiness'>);

export interface Endpoint {
  name: string;
  method: NonNullable<EndpointInput['method']>;
  path: string;
  params: Readonly<Record<string, ParamInput>>;
  body?: Readonly<Record<string, unknown>>;
  headers: Readonly<Record<string, string>>;
  idempotencyKey?: string;
  creates?: { locationPrefix: string };
}

export interface Pattern {
  description: string;
  /** variables a service part gets when this pattern is switched off */
  env: Readonly<Record<string, string>>;
}

export interface MetricsSpec {
  path: string;
  series: { requests?: string; calls?: string; retries?: string; breakerTransitions?: string };
  /** every series family kept from a scrape */
  keep: readonly string[];
  /** service parts scraped (every instance of each) */
  parts: readonly string[];
  show: readonly { series: string; by: readonly string[]; title: string }[];
  phaseCounters: readonly string[];
}

export interface System {
  name: string;
  description: string;
  /** the declaration file (absolute) */
  file: string;
  /** the declaration's folder: commands run there, paths in it are relative to it */
  root: string;
  parts: Readonly<Record<string, ResolvedPart>>;
  /** every running unit of every part, in declaration order */
  instances: readonly InstanceSpec[];
  edges: readonly EdgeSpec[];
  entry: string;
  endpoints: Readonly<Record<string, Endpoint>>;
  tenants?: { header: string; names: readonly string[] };
  priorities?: { header: string; names: readonly string[]; default: string };
  degraded: { header?: string; statuses: readonly number[] };
  switchEnv?: string;
  patterns: Readonly<Record<string, Pattern>>;
  metrics?: MetricsSpec;
  poison: Readonly<Record<string, Readonly<Record<string, string>>>>;
  checks: readonly SystemCheck[];
  /** the parsed compose file the docker runtime boots from, when the declaration names one */
  compose?: ComposeSystem;
}

/** The tenant recorded for a request when the system has no tenants. */
export const NO_TENANT = '-';

export const tenantNames = (system: System): readonly string[] => system.tenants?.names ?? [NO_TENANT];
export const priorityNames = (system: System): readonly string[] => system.priorities?.names ?? [];
export const edgeNames = (system: System): string[] => system.edges.map((e) => e.name);
/** Parts process-level faults may kill or freeze: every instance (Toxiproxy is the harness's, not the system's). */
export const controllableParts = (system: System): string[] => system.instances.map((i) => i.name);
/** Every part something calls through an edge (what breakerOpens and retryAmplification may name). */
export const dependencies = (system: System): string[] => [...new Set(system.edges.map((e) => e.to))];
export const serviceParts = (system: System): Extract<ResolvedPart, { kind: 'service' }>[] =>
  Object.values(system.parts).filter((p): p is Extract<ResolvedPart, { kind: 'service' }> => p.kind === 'service');

export function partOf(system: System, instance: string): ResolvedPart | undefined {
  const spec = system.instances.find((i) => i.name === instance);
  return spec === undefined ? undefined : system.parts[spec.part];
}

export type { PartInput };
