// The HTTP client of the harness's own calls while a run goes on: the services' /metrics scrapes
// and Toxiproxy's API (toxics, lease renewals). node:http over one keep-alive agent: fetch (undici)
// spent about twice the CPU per call in request plumbing and web streams, and these calls repeat
// every second of a run. Every target must be on loopback or explicitly allowed (safety.ts).

import { Agent, type IncomingMessage, request } from 'node:http';
import { assertLoopback } from './safety.ts';

export interface HttpAnswer {
  status: number;
  text: string;
}

export interface HttpCall {
  method?: string;
  /** JSON text, sent as application/json */
  json?: string;
  /** the whole call, connect to last byte */
  timeoutMs: number;
}

/** An error with the code of what failed (ECONNREFUSED, ETIMEDOUT, …). */
export class HttpCallError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'HttpCallError';
    this.code = code;
  }
}

// idle sockets are unref'd by the agent: they never hold the process open
const agent = new Agent({ keepAlive: true, maxSockets: 8 });

/**
 * One call to `path` on `base` (an empty path: `base` itself); resolves with any status (the caller
 * judges it) and the body as text. `base` must be on loopback (or allowed): `what` names it in the
 * refusal and in the allowance's record. A kept-alive socket the server closed while it was idle
 * fails the first write with ECONNRESET or EPIPE: that call is sent again once, on a fresh socket.
 */
export async function httpText(base: string, path: string, what: string, call: HttpCall): Promise<HttpAnswer> {
  assertLoopback(base, what);
  const target = new URL(path, base);
  try {
    return await once(target, call);
  } catch (error) {
    if (!(error as { reusedSocket?: boolean }).reusedSocket) throw error;
    return once(target, call);
  }
}

function once(url: URL, call: HttpCall): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const body = call.json === undefined ? undefined : Buffer.from(call.json);
    const req = request(url, {
      agent,
      method: call.method ?? 'GET',
      headers: body === undefined ? {} : { 'content-type': 'application/json', 'content-length': body.length },
    });
    const timer = setTimeout(() => req.destroy(new HttpCallError('ETIMEDOUT', `no answer within ${call.timeoutMs} ms`)), call.timeoutMs);
    const fail = (error: Error & { code?: string }): void => {
      clearTimeout(timer);
      const stale = req.reusedSocket && (error.code === 'ECONNRESET' || error.code === 'EPIPE');
      reject(Object.assign(error instanceof HttpCallError ? error : new HttpCallError(error.code ?? 'EIO', error.message), { reusedSocket: stale }));
    };
    req.once('error', fail);
    req.once('response', (res: IncomingMessage) => {
      res.setEncoding('utf8');
      let text = '';
      res.on('data', (chunk: string) => (text += chunk));
      res.once('error', fail);
      res.once('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, text });
      });
    });
    req.end(body);
  });
}
