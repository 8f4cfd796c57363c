// A stand-in upstream for gateway tests, in the test process: answers the health checks and any
// other path with 200 after `delayMs`; can "hang" like a replica whose event loop is blocked (every
// request, the health checks too, waits until the hang ends) and can be stopped like a dead one.

import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StubUpstream {
  url: string;
  /** requests seen, by path and query (health checks excluded) */
  seen: string[];
  /** headers of the last request seen (health checks excluded) */
  lastHeaders: IncomingHttpHeaders;
  delayMs: number;
  /** holds every request, health checks too, for `ms` from now */
  hangFor(ms: number): void;
  /** when set, a request whose URL contains it starts a hang of `ms` */
  hangOn: { marker: string; ms: number } | undefined;
  close(): Promise<void>;
}

export async function startStubUpstream(name: string): Promise<StubUpstream> {
  let hungUntil = 0;
  const stub: StubUpstream = {
    url: '',
    seen: [],
    lastHeaders: {},
    delayMs: 0,
    hangFor: (ms) => void (hungUntil = Date.now() + ms),
    hangOn: undefined,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  const answer = (req: IncomingMessage, res: ServerResponse): void => {
    const url = req.url ?? '/';
    if (url.startsWith('/health/')) return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    stub.seen.push(url);
    stub.lastHeaders = req.headers;
    if (stub.hangOn && url.includes(stub.hangOn.marker)) stub.hangFor(stub.hangOn.ms);
    const wait = Math.max(stub.delayMs, hungUntil - Date.now());
    setTimeout(() => {
      if (res.destroyed) return;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ from: name, url }));
    }, wait);
  };
  const server = createServer((req, res) => {
    req.resume();
    const waitMs = hungUntil - Date.now();
    if (waitMs > 0 && !(stub.hangOn && (req.url ?? '').includes(stub.hangOn.marker))) setTimeout(() => answer(req, res), waitMs);
    else answer(req, res);
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  stub.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return stub;
}
