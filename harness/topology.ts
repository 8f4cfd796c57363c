// The reference system's shape, in one place: which services exist and which network edges
// join them. Every edge goes through its own Toxiproxy proxy, so any edge can be degraded alone.
// Scenario validation, the runtimes and the report all read this table.

export const SERVICES = ['gateway', 'catalog'] as const;
export type ServiceName = (typeof SERVICES)[number];

export const DEPENDENCIES = ['postgres', 'redis'] as const;
export type DependencyName = (typeof DEPENDENCIES)[number];

export interface EdgeSpec {
  /** `from->to`, the name scenarios use */
  name: string;
  from: ServiceName | 'load';
  to: ServiceName | DependencyName;
  /** Toxiproxy proxy name (Toxiproxy allows no '>' in names) */
  proxy: string;
}

export const EDGES: readonly EdgeSpec[] = [
  { name: 'gateway->catalog', from: 'gateway', to: 'catalog', proxy: 'gateway_to_catalog' },
  { name: 'catalog->postgres', from: 'catalog', to: 'postgres', proxy: 'catalog_to_postgres' },
  { name: 'catalog->redis', from: 'catalog', to: 'redis', proxy: 'catalog_to_redis' },
];
export const EDGE_NAMES = EDGES.map((e) => e.name);

/** Endpoints the gateway serves, as scenarios name them (`METHOD /path` with :params). */
export const ENDPOINTS = ['GET /products/:id', 'GET /products', 'GET /search'] as const;
export type EndpointName = (typeof ENDPOINTS)[number];

export const TENANTS = ['acme', 'globex', 'initech'] as const;
