// Probes that measure one round trip across an edge, speaking the protocol of what is behind it
// (Postgres, Redis or HTTP). A fault proves it landed by changing what these probes see: a round
// trip that gets slower, one that breaks, a bulk transfer that slows to the toxic's rate, or a
// server-side close that comes late.

import { connect, type Socket } from 'node:net';
import pg from 'pg';
import { OwnConnection } from '../loopback-http.ts';
import type { EdgeEndpoint } from '../runtime/types.ts';
import { assertLoopback } from '../safety.ts';

/** A transfer across the edge: how long it took and how many bytes went each way. */
export interface BulkTransfer {
  ms: number;
  /** client -> server */
  upBytes: number;
  /** server -> client */
  downBytes: number;
}

export interface EdgeProbe {
  /** one round trip through the edge, in milliseconds; rejects when the edge does not answer */
  roundTripMs(timeoutMs: number): Promise<number>;
  /** a round trip carrying about `bytes` each way (HTTP: the server's /metrics down, a padding header up, at most 12 kB) */
  bulk(bytes: number, timeoutMs: number): Promise<BulkTransfer>;
  close(): Promise<void>;
}

const hostPort = (listen: string): { host: string; port: number } => {
  const i = listen.lastIndexOf(':');
  return { host: listen.slice(0, i), port: Number(listen.slice(i + 1)) };
};

export function withTimeout<T>(work: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} gave no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

async function timed<T>(work: () => Promise<T>, timeoutMs: number, what: string): Promise<{ ms: number; value: T }> {
  const start = performance.now();
  const value = await withTimeout(work(), timeoutMs, what);
  return { ms: performance.now() - start, value };
}

/** The most padding an HTTP probe puts in one header (Node refuses headers past 16 kB). */
export const HTTP_PAD_MAX_BYTES = 12_000;

/** Reads RESP answers from a socket: resolves once `bytes` bytes have arrived. */
function respReader(socket: Socket): (bytes: number) => Promise<void> {
  let buffered = 0;
  let waiting: { bytes: number; resolve: () => void; reject: (e: Error) => void } | undefined;
  const settle = (): void => {
    if (waiting !== undefined && buffered >= waiting.bytes) {
      buffered -= waiting.bytes;
      const w = waiting;
      waiting = undefined;
      w.resolve();
    }
  };
  socket.on('data', (chunk: Buffer) => {
    buffered += chunk.length;
    settle();
  });
  const fail = (error: Error): void => {
    const w = waiting;
    waiting = undefined;
    w?.reject(error);
  };
  socket.on('error', fail);
  socket.on('close', () => fail(new Error('the connection was closed')));
  return (bytes) =>
    new Promise<void>((resolve, reject) => {
      if (socket.destroyed) return reject(new Error('the connection is closed'));
      buffered = 0; // a late answer to an abandoned request must not count for this one
      waiting = { bytes, resolve, reject };
    });
}

/** A probe kept connected, so later round trips measure the edge and not connection set-up. */
export async function openProbe(edge: EdgeEndpoint, connectTimeoutMs = 5000): Promise<EdgeProbe> {
  assertLoopback(edge.listen, `the probe of ${edge.edge}`);
  const { host, port } = hostPort(edge.listen);
  const target = edge.protocol;
  if (target === 'tcp') return tcpProbe(edge, host, port, connectTimeoutMs);
  if (target === 'postgres') {
    const client = new pg.Client({ host, port, user: 'faultline', database: 'faultline' });
    client.on('error', () => undefined);
    await withTimeout(client.connect(), connectTimeoutMs, `postgres probe via ${edge.edge}`).catch(async (error: unknown) => {
      await client.end().catch(() => undefined);
      throw error;
    });
    return {
      roundTripMs: async (t) => (await timed(() => client.query('SELECT 1'), t, `SELECT 1 via ${edge.edge}`)).ms,
      bulk: async (bytes, t) => {
        const { ms } = await timed(
          () => client.query('SELECT repeat($1::text, $2::int) AS down, length($3::text) AS up', ['x', bytes, 'x'.repeat(bytes)]),
          t,
          `a ${bytes}-byte SELECT via ${edge.edge}`,
        );
        return { ms, upBytes: bytes, downBytes: bytes };
      },
      close: () => client.end().catch(() => undefined),
    };
  }
  if (target === 'redis') {
    const socket = await withTimeout(
      new Promise<Socket>((resolve, reject) => {
        const s = connect({ host, port }, () => resolve(s)).once('error', reject);
      }),
      connectTimeoutMs,
      `redis probe via ${edge.edge}`,
    );
    const answer = respReader(socket);
    const send = (command: string, answerBytes: number): Promise<void> => {
      const done = answer(answerBytes);
      socket.write(command);
      return done;
    };
    return {
      roundTripMs: async (t) => (await timed(() => send('PING\r\n', '+PONG\r\n'.length), t, `PING via ${edge.edge}`)).ms,
      bulk: async (bytes, t) => {
        const payload = 'x'.repeat(bytes);
        const command = `*2\r\n$4\r\nECHO\r\n$${bytes}\r\n${payload}\r\n`;
        const { ms } = await timed(() => send(command, `$${bytes}\r\n`.length + bytes + 2), t, `a ${bytes}-byte ECHO via ${edge.edge}`);
        return { ms, upBytes: command.length, downBytes: bytes };
      },
      close: async () => void socket.destroy(),
    };
  }
  // an HTTP service: one kept-alive connection of our own, connected afresh after a failure (by
  // hand over node:net: undici compiled its WASM parser on a probe's first call, ~120 ms of CPU
  // in the middle of the load)
  const probePath = edge.probePath ?? '/';
  const connection = new OwnConnection(`http://${edge.listen}`, `the probe of ${edge.edge}`);
  const get = (path: string, headers: Record<string, string>, t: number, what: string): Promise<{ ms: number; value: number }> =>
    timed(async () => (await connection.call(path, { headers, timeoutMs: t })).bytes, t, what);
  return {
    roundTripMs: async (t) => (await get(probePath, {}, t, `GET http://${edge.listen}${probePath}`)).ms,
    bulk: async (bytes, t) => {
      const pad = 'x'.repeat(Math.min(bytes, HTTP_PAD_MAX_BYTES));
      const { ms, value } = await get('/metrics', { 'x-faultline-pad': pad }, t, `GET http://${edge.listen}/metrics`);
      return { ms, upBytes: pad.length, downBytes: value };
    },
    close: async () => connection.close(),
  };
}

/**
 * A part that speaks no protocol faultline knows: a round trip is a fresh TCP connect through the
 * proxy and the first byte or close the server sends (or the connect alone, for a server that
 * waits for its client); a latency toxic delays it, a partition or reset breaks it. No bulk transfer.
 */
async function tcpProbe(edge: EdgeEndpoint, host: string, port: number, connectTimeoutMs: number): Promise<EdgeProbe> {
  const once = (timeoutMs: number): Promise<number> => {
    const start = performance.now();
    let socket: Socket | undefined;
    const answered = new Promise<number>((resolve, reject) => {
      socket = connect({ host, port });
      socket.once('connect', () => setTimeout(() => resolve(performance.now() - start), 50));
      socket.once('data', () => resolve(performance.now() - start));
      socket.once('error', reject);
    });
    return withTimeout(answered, timeoutMs, `a TCP connect via ${edge.edge}`).finally(() => socket?.destroy());
  };
  await once(connectTimeoutMs);
  return {
    roundTripMs: once,
    bulk: async () => {
      throw new Error(`${edge.edge} speaks no protocol faultline knows, so a bulk transfer cannot be measured across it`);
    },
    close: async () => undefined,
  };
}

/**
 * How long the server side takes to close a fresh connection it was asked to close, in ms: an
 * HTTP request with `connection: close`, Redis QUIT, or for Postgres a startup packet it refuses.
 */
export function closeRoundTripMs(edge: EdgeEndpoint, timeoutMs: number): Promise<number> {
  assertLoopback(edge.listen, `the probe of ${edge.edge}`);
  const { host, port } = hostPort(edge.listen);
  const target = edge.protocol;
  const ask =
    target === 'redis'
      ? 'QUIT\r\n'
      : target === 'postgres'
        ? Buffer.from([0, 0, 0, 8, 0, 0, 0, 0])
        : target === 'tcp'
          ? ''
          : `GET ${edge.probePath ?? '/'} HTTP/1.1\r\nhost: ${edge.listen}\r\nconnection: close\r\n\r\n`;
  let socket: Socket | undefined;
  const start = performance.now();
  const closed = new Promise<number>((resolve, reject) => {
    socket = connect({ host, port }, () => socket?.write(ask));
    socket.on('data', () => undefined);
    socket.once('error', reject);
    socket.once('close', () => resolve(performance.now() - start));
  });
  return withTimeout(closed, timeoutMs, `the close of a connection via ${edge.edge}`).finally(() => socket?.destroy());
}

/** Median of a few round trips: one slow packet does not make or break a proof. */
export async function medianRoundTripMs(probe: EdgeProbe, tries: number, timeoutMs: number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < tries; i++) times.push(await probe.roundTripMs(timeoutMs));
  return median(times);
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}
