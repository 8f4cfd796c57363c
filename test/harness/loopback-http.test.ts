import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpCallError, httpText, OwnConnection } from '../../harness/loopback-http.ts';

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
      bytes: 50,
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

describe('httpText reads every way an answer is framed', () => {
  /** a server that writes these raw bytes as its answer, in the pieces given, a few ms apart */
  async function raw(pieces: string[], close = false): Promise<string> {
    const { createServer: createNetServer } = await import('node:net');
    const s = createNetServer((socket) => {
      socket.once('data', async () => {
        for (const p of pieces) {
          socket.write(p);
          await new Promise((r) => setTimeout(r, 5));
        }
        if (close) socket.end();
      });
    });
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    rawServers.push(s);
    return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
  }
  const rawServers: import('node:net').Server[] = [];
  afterEach(() => {
    for (const s of rawServers.splice(0)) s.close();
  });
  const get = (base: string) => httpText(base, '/metrics', 'a test server', { timeoutMs: 2000 });

  it('content-length, with the head and the body split across packets', async () => {
    const base = await raw(['HTTP/1.1 200 OK\r\ncontent-', 'length: 11\r\n\r\nhello', ' world']);
    expect(await get(base)).toEqual({ status: 200, text: 'hello world', bytes: 11 });
  });

  it('chunked, chunks split across packets, with an extension and a trailer', async () => {
    const base = await raw(['HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5;x=1\r\nhel', 'lo\r\n6\r\n wörl\r\n', '0\r\nx-trailer: 1\r\n\r\n']);
    // 'wörl' is 5 bytes in UTF-8: the sizes count bytes, not characters
    expect(await get(base)).toEqual({ status: 200, text: 'hello wörl', bytes: 11 });
  });

  it('a body that runs to the close (no length, not chunked)', async () => {
    const base = await raw(['HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n\r\nup to', ' the close'], true);
    expect(await get(base)).toEqual({ status: 200, text: 'up to the close', bytes: 15 });
  });

  it('204: no body whatever the headers', async () => {
    const base = await raw(['HTTP/1.1 204 No Content\r\n\r\n']);
    expect(await get(base)).toEqual({ status: 204, text: '', bytes: 0 });
  });

  it('an answer that is not HTTP fails with EPROTO', async () => {
    const base = await raw(['SSH-2.0-OpenSSH_9.6\r\n\r\n']);
    const error = await get(base).catch((e: unknown) => e);
    expect((error as HttpCallError).code).toBe('EPROTO');
  });

  it('a content-length that is not a number fails with EPROTO', async () => {
    const base = await raw(['HTTP/1.1 200 OK\r\ncontent-length: 5, 6\r\n\r\nhello']);
    const error = await get(base).catch((e: unknown) => e);
    expect((error as HttpCallError).code).toBe('EPROTO');
  });

  it('a connection closed mid-answer fails, not a short body', async () => {
    const base = await raw(['HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nonly this'], true);
    const error = await get(base).catch((e: unknown) => e);
    expect((error as HttpCallError).code).toBe('ECLOSED');
  });

  it('calls at once to one server each get their own answer, on their own connections', async () => {
    const base = await serve((req, res) => setTimeout(() => res.end(`answer to ${req.url}`), req.url === '/a' ? 30 : 5));
    const [a, b] = await Promise.all([httpText(base, '/a', 'a test server', { timeoutMs: 2000 }), httpText(base, '/b', 'a test server', { timeoutMs: 2000 })]);
    expect([a.text, b.text]).toEqual(['answer to /a', 'answer to /b']);
  });
});

describe("OwnConnection (a probe's connection)", () => {
  it('keeps its own connection across calls, apart from the pool, and sends extra headers', async () => {
    const seen: string[] = [];
    const base = await serve((req, res) => {
      seen.push(`${req.socket.remotePort} ${req.headers['x-faultline-pad'] ?? '-'}`);
      res.end('x'.repeat(1000));
    });
    const own = new OwnConnection(base, 'a test server');
    const answer = await own.call('/metrics', { headers: { 'x-faultline-pad': 'abc' }, timeoutMs: 2000 });
    expect(answer.bytes).toBe(1000);
    await own.call('/', { timeoutMs: 2000 });
    await httpText(base, '', 'a test server', { timeoutMs: 2000 }); // the pool's call: a connection of its own
    const ports = seen.map((l) => l.split(' ')[0]);
    expect(seen.map((l) => l.split(' ')[1])).toEqual(['abc', '-', '-']);
    expect(ports[0]).toBe(ports[1]);
    expect(ports[2]).not.toBe(ports[0]);
    own.close();
  });

  it('connects afresh for the call after one that failed', async () => {
    const ports: number[] = [];
    let calls = 0;
    const base = await serve((req, res) => {
      ports.push(req.socket.remotePort as number);
      if (++calls === 2) return; // the second call is never answered
      res.end('ok');
    });
    const own = new OwnConnection(base, 'a test server');
    await own.call('/', { timeoutMs: 2000 });
    const error = await own.call('/', { timeoutMs: 100 }).catch((e: unknown) => e);
    expect((error as HttpCallError).code).toBe('ETIMEDOUT');
    expect((await own.call('/', { timeoutMs: 2000 })).text).toBe('ok');
    expect(ports[0]).toBe(ports[1]);
    expect(ports[2]).not.toBe(ports[1]);
    own.close();
  });

  it('refuses a target outside loopback before connecting', () => {
    expect(() => new OwnConnection('http://192.0.2.10:80', 'the probe of a->b')).toThrow(/refusing to send traffic to the probe of a->b/);
  });
});
