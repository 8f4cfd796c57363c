// The gateway's routing table and the proxying of one request: forward to the upstream, pass
// status, body and the answer headers through, and turn a failed hop into 502/504 — or, for a
// non-critical upstream with a fallback, into a degraded answer that keeps the page up.

import type { FastifyInstance, FastifyRequest } from 'fastify';
import { DEGRADED_HEADER, REQUEST_ID_HEADER } from '../shared/http.ts';
import type { Upstream, UpstreamAnswer } from './upstream.ts';

export type UpstreamName = 'catalog' | 'orders' | 'recommendations';

export interface RouteSpec {
  method: 'GET' | 'POST';
  url: string;
  upstream: UpstreamName;
}

export const ROUTES: readonly RouteSpec[] = [
  { method: 'GET', url: '/products/:id', upstream: 'catalog' },
  { method: 'GET', url: '/products', upstream: 'catalog' },
  { method: 'GET', url: '/search', upstream: 'catalog' },
  { method: 'POST', url: '/orders', upstream: 'orders' },
  { method: 'GET', url: '/orders/:id', upstream: 'orders' },
  { method: 'GET', url: '/recommendations', upstream: 'recommendations' },
];

/** What the page shows when the recommendations service itself cannot answer. */
export const STATIC_RECOMMENDATIONS = { productIds: [1, 2, 3, 5, 8, 13, 21, 34, 55, 89], source: 'static' } as const;
export const DEGRADED_STATIC_LIST = 'static-list';

export interface ProxyDeps {
  upstreams: Partial<Record<UpstreamName, Upstream>>;
  /** the fallback pattern: a failed non-critical upstream answers its static fallback */
  fallbackOn: boolean;
  onFallback?: (upstream: UpstreamName) => void;
  /** wraps the hop (quarantine, bulkheads), which may answer instead of it; default: call it */
  around?: (request: FastifyRequest, spec: RouteSpec, hop: () => Promise<UpstreamAnswer>) => Promise<UpstreamAnswer>;
}

function fallbackFor(spec: RouteSpec): unknown | undefined {
  return spec.upstream === 'recommendations' ? STATIC_RECOMMENDATIONS : undefined;
}

export function registerGatewayRoutes(app: FastifyInstance, deps: ProxyDeps): RouteSpec[] {
  const served: RouteSpec[] = [];
  for (const spec of ROUTES) {
    const upstream = deps.upstreams[spec.upstream];
    if (upstream === undefined) continue;
    served.push(spec);
    app.route({
      method: spec.method,
      url: spec.url,
      handler: async (request, reply) => {
        const hop = (): Promise<UpstreamAnswer> =>
          upstream.forward({
            method: spec.method,
            pathAndQuery: request.url,
            // the request id is fastify's: the incoming x-request-id, or a fresh one
            headers: { ...request.headers, [REQUEST_ID_HEADER]: request.id },
            ...(spec.method === 'POST' ? { body: JSON.stringify(request.body ?? null) } : {}),
          });
        const answer = deps.around ? await deps.around(request, spec, hop) : await hop();
        const fallback = fallbackFor(spec);
        const failed = answer.kind === 'failed' || answer.status >= 500;
        if (failed && fallback !== undefined && deps.fallbackOn) {
          deps.onFallback?.(spec.upstream);
          return reply.header(DEGRADED_HEADER, DEGRADED_STATIC_LIST).send(fallback);
        }
        if (answer.kind === 'failed') {
          request.log.warn({ upstream: spec.upstream, replica: answer.replica, result: answer.result, err: answer.message }, 'upstream call failed');
          return reply.code(answer.result === 'timeout' ? 504 : 502).send({ error: `upstream_${answer.result}`, message: answer.message });
        }
        reply.code(answer.status).headers(answer.headers);
        return reply.send(answer.body);
      },
    });
  }
  return served;
}
