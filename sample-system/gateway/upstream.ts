// One upstream service behind the gateway: its replicas balanced by the gateway (round robin over
// the healthy ones, outliers ejected: see resilience/outlier-ejection.ts) over kept-alive
// connections, each call cut off after the per-hop timeout, the request's deadline (set on
// arrival, shared/http.ts) passed down in x-deadline. No retries here: the services retry their
// own dependencies, and retries at two layers multiply.

import { Agent, request } from 'undici';
import { type Balancer, type BalancerOptions, createBalancer } from '../resilience/outlier-ejection.ts';

export type UpstreamResult = 'ok' | 'error' | 'timeout' | 'unreachable';

export type UpstreamAnswer =
  | { kind: 'answered'; status: number; body: Buffer; headers: Record<string, string>; replica: number }
  | { kind: 'failed'; result: 'timeout' | 'unreachable'; message: string; replica: number /** no connection was made: nothing was sent */; refused: boolean };

export type Incoming = Readonly<Record<string, string | string[] | undefined>>;

export interface UpstreamRequest {
  method: 'GET' | 'POST';
  pathAndQuery: string;
  headers: Incoming;
  /** a JSON body for POST */
  body?: string;
}

export interface UpstreamOptions {
  name: string;
  urls: readonly URL[];
  /** undefined: no per-hop timeout (the timeout pattern is off) */
  timeoutMs: number | undefined;
  /** headers copied from the incoming request (x-deadline among them when deadlines are on: the gateway sets it on arrival) */
  forwardHeaders: readonly string[];
  /** headers copied back from the upstream's answer */
  returnHeaders: readonly string[];
  onCall?: (result: UpstreamResult) => void;
  /** balancing over the replicas; `enabled: false` is plain round robin */
  balancing: Omit<BalancerOptions, 'replicas' | 'nowMs'> & { healthCheckIntervalMs: number };
  onEject?: (replica: number, forMs: number) => void;
  nowMs?: () => number;
}

/**
 * Defaults for a replicated upstream: 5 failures in a row eject a replica for 5 s, 10 s, ... 30 s;
 * one that finished none of its calls for 300 ms (a catalog read takes 300 ms at worst: its 250 ms
 * Postgres budget, then the stale copy) is stalled and left out until one comes back.
 */
export const DEFAULT_BALANCING = {
  consecutiveFailures: 5,
  baseEjectionMs: 5000,
  maxEjectionMs: 30_000,
  maxEjectedShare: 0.5,
  stallAfterMs: 300,
  healthCheckIntervalMs: 1000,
} as const;

export interface Upstream {
  forward(request: UpstreamRequest): Promise<UpstreamAnswer>;
  /** true when any replica answers GET /health/ready with 200 */
  ready(timeoutMs?: number): Promise<boolean>;
  /** true when the replica answers GET /health/live within `timeoutMs` */
  live(replica: number, timeoutMs?: number): Promise<boolean>;
  readonly balancer: Balancer;
  close(): Promise<void>;
}

class UpstreamTimeout extends Error {}

export function createUpstream(options: UpstreamOptions): Upstream {
  if (options.urls.length === 0) throw new Error(`${options.name}: no replica URL`);
  const bases = options.urls.map((u) => u.href.replace(/\/$/, ''));
  const agent = new Agent({ connections: 128, keepAliveTimeout: 10_000 });
  const balancer = createBalancer({ ...options.balancing, replicas: bases.length, ...(options.nowMs ? { nowMs: options.nowMs } : {}) });
  if (options.onEject) balancer.onEject(options.onEject);
  const readyAt = async (base: string, timeoutMs: number): Promise<boolean> => {
    const res = await request(`${base}/health/ready`, { method: 'GET', dispatcher: agent, signal: AbortSignal.timeout(timeoutMs) });
    await res.body.dump();
    return res.statusCode === 200;
  };
  // active health checks: a replica that is not ready leaves the rotation until it is again
  const checks =
    options.balancing.enabled && bases.length > 1
      ? setInterval(() => {
          bases.forEach(
            (base, i) =>
              void readyAt(base, Math.min(500, options.balancing.healthCheckIntervalMs)).then(
                (ok) => balancer.setHealthy(i, ok),
                () => balancer.setHealthy(i, false),
              ),
          );
        }, options.balancing.healthCheckIntervalMs)
      : undefined;
  checks?.unref();

  const headersFor = (incoming: Incoming): Record<string, string> => {
    const out: Record<string, string> = {};
    for (const name of options.forwardHeaders) {
      const value = incoming[name];
      if (typeof value === 'string') out[name] = value;
    }
    return out;
  };

  return {
    async forward({ method, pathAndQuery, headers: incoming, body: payload }) {
      const replica = balancer.pick();
      const base = bases[replica] as string;
      const controller = new AbortController();
      const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => controller.abort(new UpstreamTimeout()), options.timeoutMs);
      try {
        const outgoing = headersFor(incoming);
        if (payload !== undefined) outgoing['content-type'] = 'application/json';
        const res = await request(`${base}${pathAndQuery}`, { method, headers: outgoing, body: payload ?? null, signal: controller.signal, dispatcher: agent });
        const body = Buffer.from(await res.body.arrayBuffer());
        const headers: Record<string, string> = {};
        for (const name of options.returnHeaders) {
          const value = res.headers[name];
          if (typeof value === 'string') headers[name] = value;
        }
        options.onCall?.(res.statusCode >= 500 ? 'error' : 'ok');
        balancer.report(replica, true); // it answered: a 5xx is about its dependencies, not the replica
        return { kind: 'answered', status: res.statusCode, body, headers, replica };
      } catch (error) {
        const timedOut = controller.signal.aborted && controller.signal.reason instanceof UpstreamTimeout;
        options.onCall?.(timedOut ? 'timeout' : 'unreachable');
        balancer.report(replica, false);
        const refused = (error as { code?: unknown }).code === 'ECONNREFUSED';
        return timedOut
          ? { kind: 'failed', result: 'timeout', message: `${options.name} did not answer within ${options.timeoutMs} ms`, replica, refused: false }
          : {
              kind: 'failed',
              result: 'unreachable',
              message: `${options.name} unreachable at ${base}: ${error instanceof Error ? error.message : String(error)}`,
              replica,
              refused,
            };
      } finally {
        clearTimeout(timer);
      }
    },
    async ready(timeoutMs = 500) {
      const answers = bases.map(async (base) => {
        if (!(await readyAt(base, timeoutMs))) throw new Error(`${base} not ready`);
        return true;
      });
      return Promise.any(answers).catch(() => false);
    },
    async live(replica, timeoutMs = 250) {
      const base = bases[replica];
      if (base === undefined) return false;
      try {
        const res = await request(`${base}/health/live`, { method: 'GET', dispatcher: agent, signal: AbortSignal.timeout(timeoutMs) });
        await res.body.dump();
        return res.statusCode === 200;
      } catch {
        return false;
      }
    },
    balancer,
    close: async () => {
      clearInterval(checks);
      await agent.close();
    },
  };
}
