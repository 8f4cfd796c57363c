// Runs k6 as a child process and streams its NDJSON output through a FIFO: every line is parsed
// as it arrives (never loaded whole) and also kept, gzipped, as the run's raw load record.

import { execFileSync, spawn } from 'node:child_process';
import { closeSync, constants, createReadStream, createWriteStream, openSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { PassThrough } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { openLedger } from '../runtime/ledger.ts';
import { signalGroup } from '../runtime/processes.ts';
import { assertLoopback } from '../safety.ts';
import { toolPath } from '../tools.ts';
import { type LoadEvent, parseK6Line } from './ingest.ts';

const K6_STOP_GRACE_MS = 5000;

export interface K6Options {
  script: string;
  runId: string;
  runDir: string;
  baseUrl: string;
  onEvent: (event: LoadEvent) => void;
}

export interface K6Process {
  pid: number;
  /** resolves with k6's exit code (null when killed by a signal) once its output is drained */
  done: Promise<number | null>;
  stop(): void;
}

export function k6Version(): string {
  return execFileSync(toolPath('k6'), ['version'], { encoding: 'utf8' }).trim().split('\n')[0] ?? 'unknown';
}

export async function startK6({ script, runId, runDir, baseUrl, onEvent }: K6Options): Promise<K6Process> {
  assertLoopback(baseUrl, 'the load generator target');
  const k6 = toolPath('k6');
  const scriptPath = join(runDir, 'load.js');
  await writeFile(scriptPath, script);
  const fifo = join(runDir, 'k6.fifo');
  execFileSync('mkfifo', [fifo]);
  const log = openSync(join(runDir, 'logs', 'k6.log'), 'a');
  const argv = [k6, 'run', '--quiet', '--summary-mode=disabled', '--no-usage-report', '--out', `json=${fifo}`, scriptPath];
  // written down before it starts, so a harness killed with SIGKILL leaves no k6 behind for long
  const ledger = openLedger(`${runId}-load`);
  const entry = ledger.willStart('k6', argv);
  const child = spawn(k6, argv.slice(1), {
    env: { ...process.env, ...ledger.env, FL_BASE_URL: baseUrl, K6_NO_USAGE_REPORT: 'true' },
    stdio: ['ignore', log, log],
    detached: true, // a Ctrl-C reaches the harness, which stops k6 itself, in order
  });
  closeSync(log);
  let hardStop: NodeJS.Timeout | undefined;
  const exited = new Promise<number | null>((resolve) => {
    const done = (code: number | null): void => {
      clearTimeout(hardStop);
      entry.gone();
      ledger.close();
      resolve(code);
    };
    child.once('exit', (code) => done(code));
    child.on('error', () => child.pid === undefined && done(null)); // never started: no 'exit' follows
  });
  if (child.pid !== undefined) await entry.started(child.pid);

  // Opening the FIFO for reading blocks until k6 opens it for writing; if k6 dies first, the
  // reader would wait forever, so a k6 exit opens the writer side once to release it.
  const input = createReadStream(fifo);
  void exited.then(() => {
    try {
      closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK));
    } catch {
      /* ENXIO: no reader left, the stream has already ended */
    }
  });
  const raw = new PassThrough();
  const archived = pipeline(raw, createGzip(), createWriteStream(join(runDir, 'k6.ndjson.gz')));
  const lines = createInterface({ input, crlfDelay: Infinity });
  const drained = (async () => {
    for await (const line of lines) {
      raw.write(`${line}\n`);
      const event = parseK6Line(line);
      if (event !== null) onEvent(event);
    }
    raw.end();
    await archived;
  })();

  return {
    pid: child.pid ?? -1,
    done: Promise.all([exited, drained]).then(([code]) => {
      rmSync(fifo, { force: true });
      return code;
    }),
    stop: () => {
      if (child.exitCode !== null || child.signalCode !== null || hardStop !== undefined) return;
      child.kill('SIGTERM');
      // k6 finishes in-flight iterations on SIGTERM; if that hangs, it does not hold up the cleanup
      hardStop = setTimeout(() => child.pid !== undefined && signalGroup(child.pid, 'SIGKILL'), K6_STOP_GRACE_MS);
      hardStop.unref();
    },
  };
}
