// Free TCP ports on loopback. The kernel picks one (bind to port 0), we release it and hand the
// number to a child; another process can take it in between, so callers that spawn a listener
// retry with a fresh port when the child reports the address in use (see `withFreePort`).

import { createServer } from 'node:net';

export const LOOPBACK = '127.0.0.1';

export function freePort(host: string = LOOPBACK): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host, port: 0, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error(`no port from ${JSON.stringify(address)}`))));
    });
  });
}

/** Whether nothing listens on host:port (a bind there succeeds). */
export function portFree(port: number, host: string = LOOPBACK): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** True when an error message or log text says a listener lost the race for its port. */
export function saysAddressInUse(text: string): boolean {
  return /EADDRINUSE|address already in use/i.test(text);
}

/**
 * Runs `start(port)` with a fresh free port, again with another one when it fails because the
 * port was taken in the meantime (judged by `saysAddressInUse` on the error message).
 */
export async function withFreePort<T>(start: (port: number) => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    try {
      return await start(port);
    } catch (error) {
      if (attempt >= attempts || !saysAddressInUse((error as Error).message)) throw error;
    }
  }
}
