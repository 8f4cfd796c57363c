// A dead man's switch for one run. Before the stack starts, the harness spawns a small watchdog
// process (watchdog-main.ts) in a session of its own and keeps the write end of a pipe to it, as
// testcontainers keeps a connection to Ryuk. However the harness dies — SIGKILL, a crash, the
// OOM killer — the kernel closes that pipe; the watchdog then waits until the harness's pid (and
// start time) is gone from /proc and tears the run down: the local stack's processes and the load
// (reaper.ts), the docker run's containers and network (docker-reaper.ts), within about a second.
// A harness that is only slow (paused in a debugger, its laptop suspended) still holds the pipe
// open and still has its pid: nothing is torn down. A clean end releases the watchdog, which then
// exits without looking. With --keep-up the stack is spared: paused parts are resumed and the load
// stopped; its toxics go by their leases (harness/faults/lease.ts). The ledger (ledger.ts), the
// labels (docker-cleanup.ts) and the next run's cleanup stay as the second line of defence.
// FAULTLINE_WATCHDOG=off starts none (the tests of that second line use it).

import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { STATE_DIR } from '../paths.ts';
import { dockerHostOf } from './docker-ping.ts';

export interface WatchdogConfig {
  runId: string;
  runtime: 'local' | 'docker';
  keepUp: boolean;
  harness: { pid: number; startTime: string };
  stateDir: string;
  /** DOCKER_HOST (unix:// or tcp://) of the engine, for a docker run */
  dockerHost?: string;
  /** the watchdog's own log: what it did, and when */
  logFile: string;
}

export interface WatchdogOptions {
  runId: string;
  /** the run's folder: the watchdog logs to logs/watchdog.log in it */
  runDir: string;
  runtime: 'local' | 'docker';
  keepUp?: boolean;
  /** where the run's ledgers go (default .faultline/state, or FAULTLINE_STATE_DIR) */
  stateDir?: string;
  progress?: (line: string) => void;
}

export interface Watchdog {
  /** the watchdog's pid; undefined when none runs (FAULTLINE_WATCHDOG=off, or it could not start) */
  readonly pid: number | undefined;
  /** the run has stopped what it started: the watchdog exits without tearing anything down; resolves once it has */
  release(): Promise<void>;
}

/** beside this module: watchdog-main.ts in the repository, watchdog-main.js when compiled */
export const WATCHDOG_MAIN = join(import.meta.dirname, `watchdog-main${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`);
const RELEASED: Watchdog = { pid: undefined, release: async () => undefined };

function ownStartTime(): string {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? '';
}

/** Starts the run's watchdog; resolves once it runs. A watchdog that cannot start is said, not fatal. */
export async function armWatchdog(options: WatchdogOptions): Promise<Watchdog> {
  if (process.env.FAULTLINE_WATCHDOG === 'off') {
    options.progress?.('watchdog: off (FAULTLINE_WATCHDOG=off): a killed harness leaves its stack to the next run');
    return RELEASED;
  }
  const logFile = join(options.runDir, 'logs', 'watchdog.log');
  const config: WatchdogConfig = {
    runId: options.runId,
    runtime: options.runtime,
    keepUp: options.keepUp === true,
    harness: { pid: process.pid, startTime: ownStartTime() },
    stateDir: options.stateDir ?? STATE_DIR,
    ...(options.runtime === 'docker' ? { dockerHost: dockerHostOf() } : {}),
    logFile,
  };
  const log = openSync(logFile, 'a');
  let child: ChildProcess;
  try {
    // detached: a session of its own, so a Ctrl-C at the terminal (the harness's job) spares it
    child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', WATCHDOG_MAIN, JSON.stringify(config)], {
      detached: true,
      stdio: ['pipe', log, log],
    });
  } finally {
    closeSync(log);
  }
  const started = await new Promise<Error | undefined>((resolve) => {
    child.once('spawn', () => resolve(undefined));
    child.once('error', resolve);
  });
  if (started !== undefined) {
    options.progress?.(`watchdog: could not start (${started.message}): a killed harness leaves its stack to the next run`);
    return RELEASED;
  }
  const pipe = child.stdin as Socket;
  pipe.on('error', () => undefined); // the watchdog gone first: nothing to tell it any more
  // neither keeps the harness alive: the pipe is only there to be closed by our death
  pipe.unref();
  child.unref();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let released: Promise<void> | undefined;
  return {
    pid: child.pid,
    release() {
      // waited for, so nothing of the run (the watchdog included) outlives a clean end
      released ??= (async () => {
        child.ref();
        pipe.end('release\n');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 2_000))]);
      })();
      return released;
    },
  };
}
