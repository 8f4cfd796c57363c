// One upstream service behind the gateway: replicas called round robin over kept-alive
// connections, each call cut off after the per-hop timeout, the request's deadline passed down
// in x-deadline. No retries here: the services retry their own dependencies, and retries at two
// layers multiply.

import { Agent, request } from 'undici';
import { DEADLINE_HEADER, deadlineHeader, parseDeadline } from '../resilience/deadline.ts';

export type UpstreamResult = 'ok' | 'error' | 'timeout' | 'unreachable';

export type UpstreamAnswer =
  | { kind: 'answered'; status: number; body: Buffer; headers: Record<string, string>; replica: number }
  | { kind: 'failed'; result: 'timeout' | 'unreachable'; message: string; replica: number };

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
  /** when set, requests carry x-deadline = now + deadlineMs (or an earlier incoming one) */
  deadlineMs: number | undefined;
  /** headers copied from the incoming request */
  forwardHeaders: readonly string[];
  /** headers copied back from the upstream's answer */
  returnHeaders: readonly string[];
  onCall?: (result: UpstreamResult) => void;
  nowMs?: () => number;
}

export interface Upstream {
  forward(request: UpstreamRequest): Promise<UpstreamAnswer>;
  /** true when any replica answers GET /health/ready with 200 */
  ready(timeoutMs?: number): Promise<boolean>;
  close(): Promise<void>;
}

class UpstreamTimeout extends Error {}

export function createUpstream(options: UpstreamOptions): Upstream {
  if (options.urls.length === 0) throw new Error(`${options.name}: no replica URL`);
  const bases = options.urls.map((u) => u.href.replace(/\/$/, ''));
  const agent = new Agent({ connections: 128, keepAliveTimeout: 10_000 });
  const nowMs = options.nowMs ?? Date.now;
  let next = 0;

  const headersFor = (incoming: Incoming): Record<string, string> => {
    const out: Record<string, string> = {};
    for (const name of options.forwardHeaders) {
      const value = incoming[name];
      if (typeof value === 'string') out[name] = value;
    }
    if (options.deadlineMs !== undefined) {
      const own = Number(deadlineHeader(nowMs(), options.deadlineMs));
      const given = parseDeadline(incoming[DEADLINE_HEADER]);
      out[DEADLINE_HEADER] = String(given === undefined ? own : Math.min(own, given));
    }
    return out;
  };

  return {
    async forward({ method, pathAndQuery, headers: incoming, body: payload }) {
      const replica = next++ % bases.length;
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
        return { kind: 'answered', status: res.statusCode, body, headers, replica };
      } catch (error) {
        const timedOut = controller.signal.aborted && controller.signal.reason instanceof UpstreamTimeout;
        options.onCall?.(timedOut ? 'timeout' : 'unreachable');
        return timedOut
          ? { kind: 'failed', result: 'timeout', message: `${options.name} did not answer within ${options.timeoutMs} ms`, replica }
          : { kind: 'failed', result: 'unreachable', message: `${options.name} unreachable at ${base}: ${error instanceof Error ? error.message : String(error)}`, replica };
      } finally {
        clearTimeout(timer);
      }
    },
    async ready(timeoutMs = 500) {
      const checks = bases.map(async (base) => {
        const res = await request(`${base}/health/ready`, { method: 'GET', dispatcher: agent, signal: AbortSignal.timeout(timeoutMs) });
        await res.body.dump();
        if (res.statusCode !== 200) throw new Error(`${base} not ready`);
        return true;
      });
      return Promise.any(checks).catch(() => false);
    },
    close: () => agent.close(),
  };
}
