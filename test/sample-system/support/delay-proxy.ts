// A TCP proxy that delays every chunk the upstream sends back (Toxiproxy's downstream latency
// toxic, in-process). Chunks of one connection keep their order when the delay changes, so a
// protocol stream (Postgres') is never corrupted.

import { connect, createServer, type Server, type Socket } from 'node:net';

export interface DelayProxy {
  port: number;
  setDelayMs(ms: number): void;
  close(): Promise<void>;
}

/** `listenPort` 0 (the default) lets the system pick the port the proxy listens on. */
export async function startDelayProxy(upstreamPort: number, upstreamHost = '127.0.0.1', listenPort = 0): Promise<DelayProxy> {
  let delayMs = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect({ host: upstreamHost, port: upstreamPort });
    sockets.add(client).add(upstream);
    const queue: { releaseAtMs: number; chunk: Buffer }[] = [];
    let lastReleaseMs = 0;
    let timer: NodeJS.Timeout | undefined;
    const pump = (): void => {
      timer = undefined;
      const now = performance.now();
      while (queue.length > 0 && (queue[0]?.releaseAtMs ?? 0) <= now) client.write((queue.shift() as { chunk: Buffer }).chunk);
      if (queue.length > 0) timer = setTimeout(pump, Math.max(0, (queue[0]?.releaseAtMs ?? now) - now));
    };
    upstream.on('data', (chunk: Buffer) => {
      lastReleaseMs = Math.max(performance.now() + delayMs, lastReleaseMs);
      queue.push({ releaseAtMs: lastReleaseMs, chunk });
      if (timer === undefined) pump();
    });
    client.on('data', (chunk: Buffer) => upstream.write(chunk));
    const closeBoth = (): void => {
      clearTimeout(timer);
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', closeBoth).on('close', closeBoth);
    upstream.on('error', closeBoth).on('close', closeBoth);
  });
  await new Promise<void>((resolve) => server.listen(listenPort, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('delay proxy has no TCP address');
  return {
    port: address.port,
    setDelayMs: (ms) => void (delayMs = ms),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
