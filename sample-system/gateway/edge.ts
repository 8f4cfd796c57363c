// The gateway's edge patterns, in the order a request meets them:
//
//   load shedding (priority, in-flight limit: 503) -> rate limit (per tenant: 429)
//     -> quarantine (poison fingerprints: 422) -> bulkhead per tenant -> bulkhead per upstream -> hop
//
// The cheapest refusals come first, so an overloaded edge spends the least on what it refuses.
// Each is switched off alone through RESILIENCE_DISABLE; the health and metrics routes are exempt.

import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Registry } from 'prom-client';
import { Counter, Gauge } from 'prom-client';
import { type Bulkheads, isBulkheadRejected } from '../resilience/bulkhead.ts';
import { type LoadShedder, parsePriority } from '../resilience/load-shedding.ts';
import { fingerprint, type Quarantine } from '../resilience/quarantine.ts';
import type { RateLimiter } from '../resilience/rate-limit.ts';
import { PRIORITY_HEADER, TENANT_HEADER } from '../shared/http.ts';
import type { PoisonDetector } from './poison.ts';
import type { RouteSpec } from './routes.ts';
import type { UpstreamAnswer } from './upstream.ts';

export interface EdgeDeps {
  shedder: LoadShedder;
  /** undefined: the rate-limit pattern is off */
  limiter: RateLimiter | undefined;
  quarantine: Quarantine;
  poison: PoisonDetector;
  tenantBulkheads: Bulkheads;
  upstreamBulkheads: Bulkheads;
  registry: Registry;
}

export function tenantOf(request: FastifyRequest): string {
  const raw = request.headers[TENANT_HEADER];
  const tenant = Array.isArray(raw) ? raw[0] : raw;
  return tenant === undefined || tenant === '' ? 'anonymous' : tenant.slice(0, 64);
}

const exempt = (url: string): boolean => url === '/metrics' || url.startsWith('/health/');

const jsonAnswer = (status: number, body: unknown, headers: Record<string, string> = {}): UpstreamAnswer => ({
  kind: 'answered',
  status,
  body: Buffer.from(JSON.stringify(body)),
  headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  replica: -1,
});

export interface Edge {
  /** wraps one hop: quarantine, then the bulkheads; refusals come back as answers (422, 503) */
  around(request: FastifyRequest, spec: RouteSpec, hop: () => Promise<UpstreamAnswer>): Promise<UpstreamAnswer>;
}

export function registerEdge(app: FastifyInstance, deps: EdgeDeps): Edge {
  const registers = [deps.registry];
  const shed = new Counter({ name: 'shed_total', help: 'Requests shed at the edge (503), by priority', labelNames: ['priority'], registers });
  const limited = new Counter({
    name: 'rate_limited_total',
    help: 'Requests refused by the per-tenant rate limit (429), by tenant and which count decided',
    labelNames: ['tenant', 'source'],
    registers,
  });
  const quarantined = new Counter({
    name: 'quarantined_total',
    help: 'Requests refused because their payload is quarantined as a poison pill (422)',
    registers,
  });
  const bulkheaded = new Counter({
    name: 'bulkhead_rejected_total',
    help: 'Requests refused by a full bulkhead (503), by compartment',
    labelNames: ['bulkhead'],
    registers,
  });
  new Gauge({
    name: 'gateway_in_flight',
    help: 'Requests the gateway is working on',
    registers,
    collect() {
      this.set(deps.shedder.inFlight());
    },
  });
  new Gauge({
    name: 'quarantine_fingerprints',
    help: 'Payload fingerprints remembered by the poison-pill quarantine',
    registers,
    collect() {
      this.set(deps.quarantine.size());
    },
  });
  const releases = new WeakMap<FastifyRequest, () => void>();
  const release = (request: FastifyRequest): void => {
    releases.get(request)?.();
    releases.delete(request);
  };

  app.addHook('onRequest', async (request, reply) => {
    if (exempt(request.url)) return;
    const priority = parsePriority(request.headers[PRIORITY_HEADER]);
    const admission = deps.shedder.tryAdmit(priority);
    if (!admission.admitted) {
      shed.inc({ priority });
      return reply
        .code(503)
        .header('retry-after', String(admission.retryAfterS))
        .send({
          error: 'shed',
          message: `the gateway is at ${admission.inFlight} requests in flight, over the ${admission.limit} it admits at ${priority} priority`,
        });
    }
    releases.set(request, admission.release);
    // every exit of the request (answered, refused, client gone mid-answer, socket destroyed)
    // closes its response: count it out of flight there, once, or shedding would stick
    reply.raw.once('close', () => release(request));
    if (deps.limiter === undefined) return;
    const tenant = tenantOf(request);
    const decision = await deps.limiter.consume(tenant);
    if (decision.allowed) return;
    limited.inc({ tenant, source: decision.source });
    return reply
      .code(429)
      .header('retry-after', String(Math.max(1, Math.ceil(decision.retryAfterMs / 1000))))
      .send({
        error: 'rate_limited',
        message: `tenant ${tenant} is over its limit of ${decision.limit} requests per second (${decision.count.toFixed(1)} in the last second)`,
      });
  });
  app.addHook('onResponse', async (request) => release(request));
  app.addHook('onRequestAbort', async (request) => release(request));

  return {
    async around(request, spec, hop) {
      // the path as sent (its parameters are the payload too: /products/7 is not /products/8)
      const fp = fingerprint(spec.method, request.url.split('?')[0] ?? spec.url, (request.query ?? {}) as Record<string, unknown>, request.body);
      if (deps.quarantine.isQuarantined(fp)) {
        quarantined.inc();
        return jsonAnswer(422, {
          error: 'quarantined',
          message: `this request (fingerprint ${fp}) hung or crashed a worker twice; it is refused until its quarantine ends`,
        });
      }
      let answer: UpstreamAnswer;
      try {
        answer = await deps.tenantBulkheads.execute(tenantOf(request), () => deps.upstreamBulkheads.execute(spec.upstream, hop));
      } catch (error) {
        if (!isBulkheadRejected(error)) throw error;
        bulkheaded.inc({ bulkhead: 'full' });
        return jsonAnswer(
          503,
          { error: 'bulkhead_full', message: `too many requests in flight for this tenant or for ${spec.upstream}` },
          { 'retry-after': '1' },
        );
      }
      if (answer.kind === 'failed' && !answer.refused) deps.poison.failed(fp, spec.upstream, answer.replica);
      else if (answer.kind === 'answered') deps.poison.answered(fp, spec.upstream, answer.replica);
      return answer;
    },
  };
}
