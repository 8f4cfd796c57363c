// The partition's connect probe, against real sockets on 127.0.0.1: a listener that holds the
// connection works, a closed port is refused, and a listener that accepts and closes at once (what
// the docker engine's port mapper does when the proxy behind it refuses) counts as refused too.

import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { CLOSED_AT_ONCE, connectOutcome, isRefused } from '../../harness/faults/partition.ts';
import type { EdgeEndpoint } from '../../harness/runtime/types.ts';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

async function listen(onConnection: (socket: import('node:net').Socket) => void): Promise<number> {
  const server = createServer(onConnection);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

const edgeAt = (port: number): EdgeEndpoint => ({
  edge: 'gateway->recommendations',
  proxy: 'gateway_to_recommendations',
  listen: `127.0.0.1:${port}`,
  upstream: '127.0.0.1:1',
  protocol: 'http',
  probePath: '/health/live',
});

describe('the partition connect probe', () => {
  it('counts a connect that stays open as connected', async () => {
    const held: import('node:net').Socket[] = [];
    const port = await listen((socket) => held.push(socket));
    const outcome = await connectOutcome(edgeAt(port));
    held.forEach((s) => s.destroy());
    expect(outcome).toBe('connected');
    expect(isRefused(outcome)).toBe(false);
  });

  it('counts a connect accepted and closed at once (a port mapper with nothing behind it) as refused', async () => {
    const port = await listen((socket) => socket.end());
    const outcome = await connectOutcome(edgeAt(port));
    expect(outcome).toBe(CLOSED_AT_ONCE);
    expect(isRefused(outcome)).toBe(true);
  });

  it('counts a connect reset at once as refused', async () => {
    const port = await listen((socket) => socket.resetAndDestroy());
    expect(isRefused(await connectOutcome(edgeAt(port)))).toBe(true);
  });

  it('counts a closed port as refused', async () => {
    const port = await listen(() => undefined);
    await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
    const outcome = await connectOutcome(edgeAt(port));
    expect(outcome).toBe('ECONNREFUSED');
    expect(isRefused(outcome)).toBe(true);
  });
});
