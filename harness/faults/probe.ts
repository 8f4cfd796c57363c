// Probes that measure one round trip across an edge, speaking the protocol of what is behind it
// (Postgres, Redis or HTTP). A fault proves it landed by changing what these probes see.

import { connect, type Socket } from 'node:net';
import pg from 'pg';
import type { EdgeEndpoint } from '../runtime/types.ts';
import { assertLoopback } from '../safety.ts';

export interface EdgeProbe {
  /** one round trip through the edge, in milliseconds; rejects when the edge does not answer */
  roundTripMs(timeoutMs: number): Promise<number>;
  close(): Promise<void>;
}

const hostPort = (listen: string): { host: string; port: number } => {
  const i = listen.lastIndexOf(':');
  return { host: listen.slice(0, i), port: Number(listen.slice(i + 1)) };
};

function withTimeout<T>(work: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} gave no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

async function timed(work: () => Promise<unknown>, timeoutMs: number, what: string): Promise<number> {
  const start = performance.now();
  await withTimeout(work(), timeoutMs, what);
  return performance.now() - start;
}

/** A probe kept connected, so later round trips measure the edge and not connection set-up. */
export async function openProbe(edge: EdgeEndpoint): Promise<EdgeProbe> {
  assertLoopback(edge.listen, `the probe of ${edge.edge}`);
  const { host, port } = hostPort(edge.listen);
  const target = edge.edge.split('->')[1];
  if (target === 'postgres') {
    const client = new pg.Client({ host, port, user: 'faultline', database: 'faultline' });
    await withTimeout(client.connect(), 5000, `postgres probe via ${edge.edge}`);
    client.on('error', () => undefined);
    return {
      roundTripMs: (t) => timed(() => client.query('SELECT 1'), t, `SELECT 1 via ${edge.edge}`),
      close: () => client.end().catch(() => undefined),
    };
  }
  if (target === 'redis') {
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = connect({ host, port }, () => resolve(s)).once('error', reject);
    });
    socket.on('error', () => undefined);
    const ping = (): Promise<void> =>
      new Promise((resolve) => {
        socket.once('data', () => resolve());
        socket.write('PING\r\n');
      });
    return { roundTripMs: (t) => timed(ping, t, `PING via ${edge.edge}`), close: async () => void socket.destroy() };
  }
  // an HTTP service: a liveness request on a kept-alive connection
  const url = `http://${edge.listen}/health/live`;
  return {
    roundTripMs: (t) => timed(async () => (await fetch(url, { signal: AbortSignal.timeout(t) })).arrayBuffer(), t, `GET ${url}`),
    close: async () => undefined,
  };
}

/** Median of a few round trips: one slow packet does not make or break a proof. */
export async function medianRoundTripMs(probe: EdgeProbe, tries: number, timeoutMs: number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < tries; i++) times.push(await probe.roundTripMs(timeoutMs));
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] as number;
}
