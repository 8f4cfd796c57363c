// The reference system's shape, in one place: which services exist, how many replicas each runs,
// and which network edges join them. Every edge goes through its own Toxiproxy proxy, so any edge
// can be degraded alone. Scenario validation, the runtimes and the report all read this table.

export const SERVICES = ['gateway', 'catalog', 'orders', 'payments', 'recommendations'] as const;
export type ServiceName = (typeof SERVICES)[number];

export const DEPENDENCIES = ['postgres', 'redis'] as const;
export type DependencyName = (typeof DEPENDENCIES)[number];

/** Processes per service. The gateway balances over a replicated service's replicas itself. */
export const REPLICAS: Readonly<Record<ServiceName, number>> = { gateway: 1, catalog: 2, orders: 1, payments: 1, recommendations: 1 };

/** One running process of a service: `catalog-1`, `catalog-2`; a single replica is named as its service. */
export interface InstanceSpec {
  name: string;
  service: ServiceName;
  /** 1-based; also the process' REPLICA_ID suffix */
  replica: number;
}

export function instancesOf(service: ServiceName, replicas: number = REPLICAS[service]): InstanceSpec[] {
  return Array.from({ length: replicas }, (_, i) => ({ name: replicas === 1 ? service : `${service}-${i + 1}`, service, replica: i + 1 }));
}

export const INSTANCES: readonly InstanceSpec[] = SERVICES.flatMap((s) => instancesOf(s));

export interface EdgeSpec {
  /** `from->to`, the name scenarios use */
  name: string;
  from: ServiceName | 'load';
  to: ServiceName | DependencyName;
  /** Toxiproxy proxy name (Toxiproxy allows no '>' in names) */
  proxy: string;
  /**
   * The replica this edge reaches, for an edge into a replicated service: each replica has its
   * own edge (`gateway->catalog-1`), so one replica can be degraded alone. Absent: `to` itself.
   * Edges *from* a replicated service are shared by its replicas (`catalog->postgres`).
   */
  instance?: string;
}

function edgesTo(from: ServiceName, to: ServiceName | DependencyName): EdgeSpec[] {
  const replicas = (SERVICES as readonly string[]).includes(to) ? REPLICAS[to as ServiceName] : 1;
  if (replicas === 1) return [{ name: `${from}->${to}`, from, to, proxy: `${from}_to_${to}` }];
  return instancesOf(to as ServiceName).map((i) => ({ name: `${from}->${i.name}`, from, to, proxy: `${from}_to_${i.name.replace(/-/g, '_')}`, instance: i.name }));
}

export const EDGES: readonly EdgeSpec[] = [
  ...edgesTo('gateway', 'catalog'),
  ...edgesTo('gateway', 'orders'),
  ...edgesTo('gateway', 'recommendations'),
  ...edgesTo('gateway', 'redis'),
  ...edgesTo('catalog', 'postgres'),
  ...edgesTo('catalog', 'redis'),
  ...edgesTo('orders', 'postgres'),
  ...edgesTo('orders', 'redis'),
  ...edgesTo('orders', 'payments'),
  ...edgesTo('recommendations', 'redis'),
];
export const EDGE_NAMES = EDGES.map((e) => e.name);

/** Endpoints the gateway serves, as scenarios name them (`METHOD /path` with :params). */
export const ENDPOINTS = ['GET /products/:id', 'GET /products', 'GET /search', 'POST /orders', 'GET /orders/:id', 'GET /recommendations'] as const;
export type EndpointName = (typeof ENDPOINTS)[number];

export const TENANTS = ['acme', 'globex', 'initech'] as const;
