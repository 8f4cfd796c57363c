// The HTTP client of the harness's own calls while a run goes on: the services' /metrics scrapes
// and Toxiproxy's API (toxics, lease renewals), the services' readiness. HTTP/1.1 written and read
// over `node:net` by hand, on kept-alive connections: these calls repeat every second of a run, and
// per call fetch (undici) spent about twice the CPU of node:http, node:http about three times this
// (its streams and agent bookkeeping; issue 14). The subset is small: GET and JSON bodies out; a
// status, headers and a body sized by content-length, chunked, or running to the close back. Every
// target must be on loopback or explicitly allowed (safety.ts).

import { connect, type Socket } from 'node:net';
import { assertLoopback } from './safety.ts';

export interface HttpAnswer {
  status: number;
  text: string;
  /** the body's length in bytes */
  bytes: number;
}

export interface HttpCall {
  method?: string;
  /** JSON text, sent as application/json */
  json?: string;
  /** more request headers (lower-case names) */
  headers?: Record<string, string>;
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

/** Idle kept-alive connections per origin (host:port); unref'd, so they never hold the process open. */
const idle = new Map<string, Socket[]>();
const MAX_IDLE_PER_ORIGIN = 8;

/**
 * One call to `path` on `base` (an empty path: `base` itself); resolves with any status (the caller
 * judges it) and the body as text. `base` must be on loopback (or allowed): `what` names it in the
 * refusal and in the allowance's record. A kept-alive socket the server closed while it was idle
 * fails the first write with ECONNRESET or EPIPE: that call is sent again once, on a fresh socket.
 */
export async function httpText(base: string, path: string, what: string, call: HttpCall): Promise<HttpAnswer> {
  assertLoopback(base, what);
  const url = new URL(path, base);
  const origin = url.host;
  return sendOnce(url, call, { take: () => takeIdle(origin), give: (socket) => putIdle(origin, socket) });
}

/** Where a call's connection comes from (undefined: connect) and where a kept-alive one goes after it. */
interface Connections {
  take(): Socket | undefined;
  give(socket: Socket): void;
}

/** One call; a kept-alive socket that turns out closed by the server is retried once on a fresh one. */
async function sendOnce(url: URL, call: HttpCall, connections: Connections): Promise<HttpAnswer> {
  try {
    return await once(url, call, connections);
  } catch (error) {
    if (!(error as { reusedSocket?: boolean }).reusedSocket) throw error;
    return once(url, call, connections);
  }
}

/**
 * A connection of one caller's own (a fault's probe): its calls go one at a time, kept alive between
 * them, so a round trip measures the edge and not a connect; after a failure the next call connects
 * afresh. Never shared through the pool. Its target must be on loopback or allowed, like httpText's.
 */
export class OwnConnection {
  private idle: Socket | undefined;
  private closed = false;
  private readonly base: string;
  private readonly connections: Connections = {
    take: () => {
      const s = this.idle;
      this.idle = undefined;
      return s === undefined || s.destroyed ? undefined : s.ref();
    },
    give: (socket) => {
      if (this.closed || this.idle !== undefined) return void socket.destroy();
      this.idle = socket.unref();
    },
  };

  constructor(base: string, what: string) {
    assertLoopback(base, what);
    this.base = base;
  }

  call(path: string, call: HttpCall): Promise<HttpAnswer> {
    return sendOnce(new URL(path, this.base), call, this.connections);
  }

  close(): void {
    this.closed = true;
    this.idle?.destroy();
    this.idle = undefined;
  }
}

/** how to take an idle socket back from its watchers, per idle socket */
const detachers = new WeakMap<Socket, () => void>();

function takeIdle(origin: string): Socket | undefined {
  const sockets = idle.get(origin);
  for (let s = sockets?.pop(); s !== undefined; s = sockets?.pop()) {
    detachers.get(s)?.();
    if (!s.destroyed) return s.ref(); // one the server closed meanwhile was dropped by its watchers
  }
  return undefined;
}

function putIdle(origin: string, socket: Socket): void {
  const sockets = idle.get(origin) ?? [];
  if (sockets.length >= MAX_IDLE_PER_ORIGIN) return void socket.destroy();
  idle.set(origin, sockets);
  sockets.push(socket);
  socket.unref();
  // a server that closes it meanwhile: forgotten, and its error (if any) is not ours; nothing may
  // arrive on an idle connection either
  const gone = (): void => {
    const i = sockets.indexOf(socket);
    if (i !== -1) sockets.splice(i, 1);
    socket.destroy();
  };
  const events = ['close', 'end', 'error', 'data'] as const;
  for (const e of events) socket.once(e, gone);
  detachers.set(socket, () => {
    for (const e of events) socket.off(e, gone);
  });
}

const ignore = (): void => undefined;

function once(url: URL, call: HttpCall, connections: Connections): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    let socket = connections.take();
    const reused = socket !== undefined;
    if (socket === undefined) {
      socket = connect({ host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port: Number(url.port || 80) });
      socket.setNoDelay(true);
      socket.on('error', ignore); // an idle kept-alive socket's error is no one's; a call's own handler sees it too
    }
    const s = socket;
    const method = call.method ?? 'GET';
    const body = call.json === undefined ? undefined : Buffer.from(call.json);
    const head =
      `${method} ${url.pathname}${url.search} HTTP/1.1\r\nhost: ${url.host}\r\n` +
      (body !== undefined ? `content-type: application/json\r\ncontent-length: ${body.length}\r\n` : method === 'GET' ? '' : 'content-length: 0\r\n') +
      headerLines(call.headers) +
      '\r\n';
    const response = new ResponseReader();
    let settled = false;
    const finish = (error: (Error & { code?: string }) | undefined, answer?: HttpAnswer): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      s.off('data', onData).off('error', onError).off('close', onClose);
      if (error !== undefined) {
        s.destroy();
        // a reused connection that failed before any answer came back: the server had closed it
        const stale = reused && !response.started && (error.code === 'ECONNRESET' || error.code === 'EPIPE' || error.code === 'ECLOSED');
        reject(Object.assign(error instanceof HttpCallError ? error : new HttpCallError(error.code ?? 'EIO', error.message), { reusedSocket: stale }));
        return;
      }
      if (response.keepAlive) connections.give(s);
      else s.destroy();
      resolve(answer as HttpAnswer);
    };
    const timer = setTimeout(() => finish(new HttpCallError('ETIMEDOUT', `no answer within ${call.timeoutMs} ms`)), call.timeoutMs);
    const onData = (chunk: Buffer): void => {
      try {
        const answer = response.push(chunk);
        if (answer !== undefined) finish(undefined, answer);
      } catch (error) {
        finish(error as Error);
      }
    };
    const onError = (error: Error): void => finish(error);
    const onClose = (): void => {
      const answer = response.end();
      finish(answer === undefined ? new HttpCallError('ECLOSED', 'the server closed the socket before the answer was complete') : undefined, answer);
    };
    s.on('data', onData).on('error', onError).on('close', onClose);
    s.write(body === undefined ? head : Buffer.concat([Buffer.from(head, 'latin1'), body]));
  });
}

function headerLines(headers: Record<string, string> | undefined): string {
  let out = '';
  if (headers !== undefined) for (const name of Object.keys(headers)) out += `${name}: ${headers[name]}\r\n`;
  return out;
}

/**
 * Reads one HTTP/1.1 answer from a connection's bytes: the status line, the headers, and a body
 * sized by content-length, sent chunked, or running to the connection's close. push() returns the
 * answer once it is complete; end() the answer when the close is what completes it.
 */
export class ResponseReader {
  started = false;
  keepAlive = false;
  private buffered: Buffer[] = [];
  private bytes = 0;
  private status = 0;
  /** the body's framing once the headers are read */
  private framing: { kind: 'length'; length: number; at: number } | { kind: 'chunked'; at: number } | { kind: 'close'; at: number } | undefined;
  private body: Buffer[] = [];

  push(chunk: Buffer): HttpAnswer | undefined {
    this.started = true;
    this.buffered.push(chunk);
    this.bytes += chunk.length;
    const all = this.buffered.length === 1 ? (this.buffered[0] as Buffer) : Buffer.concat(this.buffered, this.bytes);
    this.buffered = [all];
    if (this.framing === undefined) {
      const end = all.indexOf('\r\n\r\n');
      if (end === -1) return undefined;
      this.readHead(all.toString('latin1', 0, end));
      this.framing = this.framingFrom(end + 4);
    }
    return this.complete(all);
  }

  end(): HttpAnswer | undefined {
    if (this.framing?.kind !== 'close') return undefined;
    this.keepAlive = false;
    const all = this.buffered[0] ?? Buffer.alloc(0);
    return { status: this.status, text: all.toString('utf8', this.framing.at), bytes: all.length - this.framing.at };
  }

  private headers = new Map<string, string>();

  private readHead(head: string): void {
    const lines = head.split('\r\n');
    const m = /^HTTP\/1\.([01]) (\d{3})/.exec(lines[0] ?? '');
    if (m === null) throw new HttpCallError('EPROTO', `not an HTTP/1.x answer: ${JSON.stringify((lines[0] ?? '').slice(0, 80))}`);
    this.status = Number(m[2]);
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      if (colon > 0)
        this.headers.set(
          line.slice(0, colon).trim().toLowerCase(),
          line
            .slice(colon + 1)
            .trim()
            .toLowerCase(),
        );
    }
    const connection = this.headers.get('connection') ?? '';
    this.keepAlive = m[1] === '1' ? !connection.includes('close') : connection.includes('keep-alive');
  }

  private framingFrom(at: number): NonNullable<ResponseReader['framing']> {
    if (this.status === 204 || this.status === 304 || (this.status >= 100 && this.status < 200)) return { kind: 'length', length: 0, at };
    if ((this.headers.get('transfer-encoding') ?? '').includes('chunked')) return { kind: 'chunked', at };
    const length = this.headers.get('content-length');
    if (length !== undefined) {
      if (!/^\d+$/.test(length)) throw new HttpCallError('EPROTO', `an answer with a bad content-length: ${JSON.stringify(length.slice(0, 40))}`);
      return { kind: 'length', length: Number(length), at };
    }
    this.keepAlive = false;
    return { kind: 'close', at };
  }

  private complete(all: Buffer): HttpAnswer | undefined {
    const f = this.framing as NonNullable<ResponseReader['framing']>;
    if (f.kind === 'length') {
      if (all.length < f.at + f.length) return undefined;
      if (all.length > f.at + f.length) this.keepAlive = false; // bytes past the answer: the connection is not reused
      return { status: this.status, text: all.toString('utf8', f.at, f.at + f.length), bytes: f.length };
    }
    if (f.kind === 'close') return undefined;
    // chunked: <hex size>[;ext]\r\n<data>\r\n ... 0\r\n[trailers]\r\n
    for (;;) {
      const lineEnd = all.indexOf('\r\n', f.at);
      if (lineEnd === -1) return undefined;
      const size = Number.parseInt(all.toString('latin1', f.at, lineEnd).split(';')[0] as string, 16);
      if (!Number.isFinite(size)) throw new HttpCallError('EPROTO', 'a chunked answer with a bad chunk size');
      if (size === 0) {
        const trailersEnd = all.indexOf('\r\n\r\n', lineEnd);
        const done = all.indexOf('\r\n', lineEnd + 2) === lineEnd + 2 ? lineEnd + 4 : trailersEnd === -1 ? -1 : trailersEnd + 4;
        if (done === -1) return undefined;
        if (all.length > done) this.keepAlive = false;
        const body = Buffer.concat(this.body);
        return { status: this.status, text: body.toString('utf8'), bytes: body.length };
      }
      if (all.length < lineEnd + 2 + size + 2) return undefined;
      this.body.push(all.subarray(lineEnd + 2, lineEnd + 2 + size));
      f.at = lineEnd + 2 + size + 2;
    }
  }
}
