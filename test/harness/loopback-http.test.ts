import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpCallError, httpText } from '../../harness/loopback-http.ts';

let server: Server | undefined;
afterEach(async () => {
  const s = server;
  server = undefined;
  if (s === undefined) return;
  s.closeAllConnections();
  await new Promise((r) => s.close(r));
});

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  server = createServer(handler);
  await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const bodyOf = (req: IncomingMessage): Promise<string> =>
  new Promise((r) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => r(text));
  });

describe('httpText', () => {
  it('answers with any status and the body as text, sending JSON as application/json', async () => {
    const base = await serve(async (req, res) => {
      const body = await bodyOf(req);
      res.statusCode = 409;
      res.end(`${req.method} ${req.url} ${req.headers['content-type']} ${body}`);
    });
    expect(await httpText(base, '/proxies/a', 'a test server', { method: 'POST', json: '{"enabled":false}', timeoutMs: 2000 })).toEqual({
      status: 409,
      text: 'POST /proxies/a application/json {"enabled":false}',
    });
  });

  it('keeps one connection alive across calls', async () => {
    const ports = new Set<number>();
    const base = await serve((req, res) => {
      ports.add(req.socket.remotePort as number);
      res.end('ok');
    });
    for (let i = 0; i < 5; i++) await httpText(base, '', 'a test server', { timeoutMs: 2000 });
    expect(ports.size).toBe(1);
  });

  it('sends a call again on a fresh socket when the kept-alive one was closed under it', async () => {
    const served = new Map<object, number>();
    const base = await serve((req, res) => {
      const n = (served.get(req.socket) ?? 0) + 1;
      served.set(req.socket, n);
      if (n === 2)
        req.socket.destroy(); // the second call on a connection finds it closed
      else res.end(`call ${n} on this connection`);
    });
    expect((await httpText(base, '', 'a test server', { timeoutMs: 2000 })).text).toBe('call 1 on this connection');
    expect((await httpText(base, '', 'a test server', { timeoutMs: 2000 })).text).toBe('call 1 on this connection');
    expect(served.size).toBe(2);
  });

  it('gives up after its timeout with ETIMEDOUT', async () => {
    const base = await serve(() => undefined); // never answers
    const t0 = performance.now();
    const error = await httpText(base, '', 'a test server', { timeoutMs: 150 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpCallError);
    expect((error as HttpCallError).code).toBe('ETIMEDOUT');
    expect(performance.now() - t0).toBeLessThan(1500);
  });

  it('names the code when nothing listens', async () => {
    const base = await serve(() => undefined);
    server?.close();
    await new Promise((r) => setTimeout(r, 20));
    const error = await httpText(base, '', 'a test server', { timeoutMs: 2000 }).catch((e: unknown) => e);
    expect((error as HttpCallError).code).toBe('ECONNREFUSED');
  });

  it('refuses a target outside loopback before sending anything', async () => {
    await expect(httpText('http://192.0.2.10:8474', '/version', 'the Toxiproxy API', { timeoutMs: 100 })).rejects.toThrow(
      /refusing to send traffic to the Toxiproxy API at http:\/\/192\.0\.2\.10:8474:/,
    );
  });
});
