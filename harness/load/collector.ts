// The collector: one listening socket that every k6 runner's faultline output connects to. Each
// connection is read as it arrives (never held whole), parsed line by line into load events, and
// archived as it came (gzipped, one file per runner). A runner that closes without its end line,
// sends a wrong token, loses records or falls silent is a failure of the run, reported once.

import { randomBytes } from 'node:crypto';
import { createWriteStream, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { constants, createGzip } from 'node:zlib';
import { LineSplitter, type LoadEvent, parseStreamLine, STREAM_VERSION } from './stream.ts';

export interface CollectorOptions {
  /** where to listen: a unix socket path */
  socketPath: string;
  /** how many runners must say hello */
  runners: number;
  /** a runner silent (not even a heartbeat) this long has stopped streaming */
  stallMs: number;
  /** folder for the archived streams (`k6-stream-<runner>.tsv.gz`); none: not archived */
  archiveDir?: string;
  onEvent: (event: LoadEvent, runner: string) => void;
  /** the first failure; the collector reports at most one */
  onFailure: (why: string) => void;
  now?: () => number;
}

export interface RunnerState {
  runner: string;
  segment: string;
  requests: number;
  ended: boolean;
}

export interface Collector {
  /** what a runner's `--out faultline=` is given */
  readonly address: string;
  /** the token runners must present in their hello */
  readonly token: string;
  /** resolves once every runner has said hello */
  readonly allConnected: Promise<void>;
  /** resolves once every runner has sent its end line and its archive is written */
  readonly allEnded: Promise<void>;
  readonly runners: ReadonlyMap<string, RunnerState>;
  close(): Promise<void>;
}

/** how often silence is looked for: the stall bound is seconds (STALL_MS), so once a second is enough */
const WATCH_EVERY_MS = 1000;
const ARCHIVE_GZIP_LEVEL = constants.Z_BEST_SPEED; // the archive is for humans after a failure: cheap beats small
/**
 * The archive is written in batches of this many bytes (and at the end): k6 flushes a few times a
 * second, and compressing each of those ~1-2 kB chunks on its own cost a zlib round trip (a
 * thread-pool job and its completion) each time; a batch stays bounded, so the stream is never
 * held whole.
 */
export const ARCHIVE_BATCH_BYTES = 64 * 1024;

export async function startCollector(options: CollectorOptions): Promise<Collector> {
  const now = options.now ?? Date.now;
  const token = randomBytes(12).toString('hex');
  const runners = new Map<string, RunnerState>();
  const sockets = new Set<Socket>();
  const archives: Promise<void>[] = [];
  let failed = false;
  const fail = (why: string): void => {
    if (failed) return;
    failed = true;
    options.onFailure(why);
  };
  let connectedCount = 0;
  let endedCount = 0;
  let markConnected = (): void => undefined;
  let markEnded = (): void => undefined;
  const allConnected = new Promise<void>((r) => (markConnected = r));
  const ended = new Promise<void>((r) => (markEnded = r));
  const lastData = new Map<Socket, { at: number; name: string }>();

  const server: Server = createServer((socket) => {
    sockets.add(socket);
    let state: RunnerState | undefined;
    let archive: ReturnType<typeof createGzip> | undefined;
    const seen = { at: now(), name: 'a runner that has not said hello' };
    lastData.set(socket, seen);
    const splitter = new LineSplitter((line) => {
      const parsed = parseStreamLine(line);
      if (parsed === null) return;
      if (state === undefined) {
        if (parsed.type !== 'hello' || parsed.version !== STREAM_VERSION || parsed.token !== token) {
          socket.destroy();
          return fail(
            parsed.type === 'hello' && parsed.token === token
              ? `k6 runner ${parsed.runner} streams version ${parsed.version}; this harness reads version ${STREAM_VERSION} (rebuild k6: the set-up)`
              : 'a connection to the load collector did not present this run’s token; it was refused',
          );
        }
        if (runners.has(parsed.runner)) return fail(`two k6 runners said they are runner ${parsed.runner}`);
        state = { runner: parsed.runner, segment: parsed.segment, requests: 0, ended: false };
        runners.set(parsed.runner, state);
        seen.name = `k6 runner ${parsed.runner} (segment ${parsed.segment})`;
        if (options.archiveDir !== undefined) {
          archive = createGzip({ level: ARCHIVE_GZIP_LEVEL });
          archives.push(pipeline(archive, createWriteStream(join(options.archiveDir, `k6-stream-${parsed.runner}.tsv.gz`))).catch(() => undefined));
        }
        if (++connectedCount === options.runners) markConnected();
        return;
      }
      switch (parsed.type) {
        case 'hello':
        case 'heartbeat':
          return;
        case 'end':
          state.ended = true;
          if (parsed.requests !== state.requests)
            return fail(`${seen.name} wrote ${parsed.requests} requests but ${state.requests} arrived: the stream lost records`);
          if (++endedCount === options.runners) markEnded();
          return;
        case 'request':
          state.requests++;
          return options.onEvent(parsed, state.runner);
        default:
          return options.onEvent(parsed, state.runner);
      }
    });
    let batch: Buffer[] = [];
    let batchBytes = 0;
    const flushArchive = (): void => {
      if (batchBytes === 0) return;
      archive?.write(batch.length === 1 ? batch[0] : Buffer.concat(batch, batchBytes));
      batch = [];
      batchBytes = 0;
    };
    socket.on('data', (chunk: Buffer) => {
      seen.at = now();
      splitter.push(chunk);
      if (archive === undefined) return; // after the split: the chunk holding the hello opened the archive
      batch.push(chunk);
      batchBytes += chunk.length;
      if (batchBytes >= ARCHIVE_BATCH_BYTES) flushArchive();
    });
    socket.on('error', () => undefined); // 'close' follows and says what it means
    socket.on('close', () => {
      sockets.delete(socket);
      lastData.delete(socket);
      flushArchive();
      archive?.end();
      if (state === undefined || !state.ended)
        fail(`${seen.name} stopped streaming: its connection closed after ${state?.requests ?? 0} requests without an end line (k6 died or was killed)`);
    });
  });
  let lastWatchMs = now();
  const watch = setInterval(() => {
    // a late tick means the harness itself was not running (SIGSTOP, a debugger, a starved
    // machine): the runners' lines waited in the socket meanwhile, so that time is not their silence
    const lateMs = now() - lastWatchMs - WATCH_EVERY_MS;
    lastWatchMs = now();
    if (lateMs > WATCH_EVERY_MS) for (const seen of lastData.values()) seen.at += lateMs;
    for (const seen of lastData.values())
      if (now() - seen.at > options.stallMs)
        fail(`${seen.name} stopped streaming: nothing for ${((now() - seen.at) / 1000).toFixed(1)} s (not even a heartbeat)`);
  }, WATCH_EVERY_MS);
  watch.unref();

  rmSync(options.socketPath, { force: true });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.socketPath, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const allEnded = ended.then(async () => {
    await Promise.all(archives);
  });
  return {
    address: `unix:${options.socketPath}`,
    token,
    allConnected,
    allEnded,
    runners,
    close: async () => {
      clearInterval(watch);
      failed = true; // what closing cuts off is not a runner's failure
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.all(archives);
      rmSync(options.socketPath, { force: true });
    },
  };
}
