// Runs the load: N k6 processes (runners), each given its execution segment of the same script,
// all streaming through faultline's k6 output (tools/xk6-faultline) into one collector. They
// start paused and are resumed together once every one is connected, so their load clocks agree.
// A runner that dies, falls silent or never connects fails the run (HarnessError): the others
// are stopped, and the caller removes the faults.

import { closeSync, openSync, readFileSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, execaSync, type ResultPromise } from 'execa';
import { httpText } from '../loopback-http.ts';
import { HarnessError, SETUP_COMMAND } from '../paths.ts';
import { openLedger } from '../runtime/ledger.ts';
import { signalGroup } from '../runtime/processes.ts';
import { assertLoopback } from '../safety.ts';
import { toolPath } from '../tools.ts';
import { startCollector } from './collector.ts';
import type { LoadEvent } from './stream.ts';

const K6_STOP_GRACE_MS = 5000;
/** a runner with no line (not even its heartbeat, sent every second) for this long stopped streaming */
export const STALL_MS = 5000;
/** how long k6 may take from exec to its output's hello (VU init of the biggest scenario is ~1 s) */
const CONNECT_TIMEOUT_MS = 30_000;
/** set to 1 to also write k6's own JSON output (k6-<runner>.ndjson.gz), for debugging the load */
export const JSON_DEBUG_ENV = 'FAULTLINE_K6_JSON';

export interface K6Options {
  script: string;
  runId: string;
  runDir: string;
  baseUrl: string;
  /** how many k6 processes share the load (default 1) */
  runners?: number;
  onEvent: (event: LoadEvent) => void;
  stallMs?: number;
}

export interface RunnerFigures {
  runner: string;
  segment: string;
  pid: number;
  requests: number;
  exitCode: number | null;
  /** its fl_started after the first runner's, ms */
  startedAfterMs: number | null;
}

export interface K6Process {
  pids: number[];
  /** resolves once every runner exited and its stream ended; rejects (HarnessError) when one failed */
  done: Promise<{ exitCode: number | null; runners: RunnerFigures[] }>;
  stop(): void;
}

export function k6Version(): string {
  return k6VersionText().split('\n')[0] ?? 'unknown';
}

/** `k6 version` per binary (path and mtime): asked before the run and again for its result, once per scenario of a suite. */
const versionTexts = new Map<string, string>();

function k6VersionText(): string {
  const k6 = toolPath('k6');
  let key = k6;
  try {
    key = `${k6}\u0000${statSync(k6).mtimeMs}`;
  } catch {
    // not there: execa says so below
  }
  let text = versionTexts.get(key);
  if (text === undefined) versionTexts.set(key, (text = execaSync(k6, ['version']).stdout.trim()));
  return text;
}

/** True when `k6 version` lists faultline's output extension. */
export function hasFaultlineOutput(versionText: string): boolean {
  return /^\s*\S*xk6-faultline\b.*\bfaultline \[output\]/m.test(versionText);
}

/** Refuses a k6 built without faultline's output, before anything is started. */
export function assertK6HasOutput(): void {
  const text = k6VersionText();
  if (!hasFaultlineOutput(text))
    throw new HarnessError(
      `${toolPath('k6')} was built without faultline's output extension (tools/xk6-faultline): \`k6 version\` says "${text.split('\n').join(' | ')}"; run \`${SETUP_COMMAND}\` to rebuild it`,
    );
}

/** `--execution-segment` of each of n runners and the sequence they share (k6's own fractions). */
export function executionSegments(n: number): { sequence: string; segments: string[] } {
  if (!Number.isInteger(n) || n < 1) throw new Error(`runners must be a whole number >= 1, got ${n}`);
  const point = (i: number): string => (i === 0 ? '0' : i === n ? '1' : `${i}/${n}`);
  return {
    sequence: Array.from({ length: n + 1 }, (_, i) => point(i)).join(','),
    segments: Array.from({ length: n }, (_, i) => `${point(i)}:${point(i + 1)}`),
  };
}

export async function startK6(options: K6Options): Promise<K6Process> {
  const { script, runId, runDir, baseUrl, onEvent } = options;
  const runnerCount = options.runners ?? 1;
  assertLoopback(baseUrl, 'the load generator target');
  const k6 = toolPath('k6');
  const scriptPath = join(runDir, 'load.js');
  await writeFile(scriptPath, script);
  const { sequence, segments } = executionSegments(runnerCount);

  let failure: string | undefined;
  let onFailure = (): void => undefined;
  const failed = new Promise<void>((resolve) => (onFailure = resolve));
  let stopping = false;
  const fail = (why: string): void => {
    if (stopping && failure === undefined) return; // runners cut short by stop() did not fail
    failure ??= why;
    onFailure();
  };
  let firstStartMs: number | undefined;
  const startedAt = new Map<string, number>();
  // a unix socket path must fit in 108 bytes; a deep run folder gets one in the temp folder
  const inRunDir = join(runDir, 'k6.sock');
  const socketPath = inRunDir.length < 100 ? inRunDir : join(tmpdir(), `faultline-${runId.slice(-24)}.sock`);
  const collector = await startCollector({
    socketPath,
    runners: runnerCount,
    stallMs: options.stallMs ?? STALL_MS,
    archiveDir: runDir,
    onFailure: fail,
    onEvent: (event, runner) => {
      if (event.type !== 'started') return onEvent(event);
      startedAt.set(runner, event.epochMs);
      // the first runner's start is the load clock's zero; the others' records sit on the same clock
      if (firstStartMs === undefined) {
        firstStartMs = event.epochMs;
        onEvent(event);
      }
    },
  });

  const ledger = openLedger(`${runId}-load`);
  const jsonDebug = process.env[JSON_DEBUG_ENV] === '1';
  const children: { pid: number; port: number; child: ResultPromise; exit: Promise<number | null>; exited: boolean }[] = [];
  const stopAll = (): void => {
    if (stopping) return;
    stopping = true;
    for (const c of children) {
      if (c.exited) continue; // its pid may be someone else's by now
      c.child.kill('SIGTERM');
      // k6 finishes in-flight iterations on SIGTERM; if that hangs, it does not hold up the cleanup
      setTimeout(() => c.exited || signalGroup(c.pid, 'SIGKILL'), K6_STOP_GRACE_MS).unref();
    }
  };
  void failed.then(stopAll);

  for (let i = 0; i < runnerCount; i++) {
    const port = await freePort();
    const args = [
      'run',
      '--quiet',
      '--summary-mode=disabled',
      '--no-usage-report',
      '--paused',
      '--address',
      `127.0.0.1:${port}`,
      '--out',
      `faultline=${collector.address}`,
      ...(runnerCount > 1 ? ['--execution-segment', segments[i] as string, '--execution-segment-sequence', sequence] : []),
      ...(jsonDebug ? ['--out', `json=${join(runDir, `k6-${i}.ndjson.gz`)}`] : []),
      scriptPath,
    ];
    // the log file's descriptor, handed to k6 as it is: execa's { file } would pipe through us
    const log = openSync(join(runDir, 'logs', runnerCount === 1 ? 'k6.log' : `k6-${i}.log`), 'a');
    // written down before it starts, so a harness killed with SIGKILL leaves no k6 behind for long
    const entry = ledger.willStart(runnerCount === 1 ? 'k6' : `k6-${i}`, [k6, ...args]);
    const child = execa(k6, args, {
      env: { ...ledger.env, FL_BASE_URL: baseUrl, K6_NO_USAGE_REPORT: 'true', FL_RUNNER: String(i), FL_RUN_TOKEN: collector.token },
      stdin: 'ignore',
      stdout: log as 3, // execa's types list only fds 3 to 9; it passes any number to spawn
      stderr: log as 3,
      buffer: false,
      detached: true, // a Ctrl-C reaches the harness, which stops k6 itself, in order
      reject: false,
      cleanup: false,
      forceKillAfterDelay: false,
    });
    closeSync(log); // k6 holds its own copy
    const exit = child.then((r) => {
      entry.gone();
      if (r.failed && r.exitCode === undefined && r.signal === undefined) return null; // never started
      return r.exitCode ?? null;
    });
    if (child.pid !== undefined) {
      await entry.started(child.pid);
      const record = { pid: child.pid, port, child, exit, exited: false };
      children.push(record);
      void exit.then(() => (record.exited = true));
    } else {
      fail(`k6 runner ${i} did not start: ${(await child).shortMessage}`);
      break;
    }
    // a runner that exits before it connected explains itself in its log (one that connected and
    // dies is seen by the collector: its connection closes without an end line)
    void exit.then(async (code) => {
      await new Promise((r) => setTimeout(r, 500)); // its hello may still be in flight
      if (!stopping && !collector.runners.has(String(i)))
        fail(`k6 runner ${i} exited (code ${code}) before its faultline output connected: ${logTail(runDir, runnerCount, i)}`);
    });
  }

  const exits = Promise.all(children.map((c) => c.exit)).then((codes) => {
    ledger.close();
    return codes;
  });
  // every runner connected: resume them together (what k6-operator's starter does)
  const connectTimer = setTimeout(() => fail(`not every k6 runner connected to the load collector within ${CONNECT_TIMEOUT_MS / 1000} s`), CONNECT_TIMEOUT_MS);
  connectTimer.unref();
  const resumed = Promise.race([collector.allConnected, failed]).then(async () => {
    clearTimeout(connectTimer);
    if (failure !== undefined) return;
    await Promise.all(children.map((c) => resume(c.port).catch((e: Error) => fail(`k6 runner could not be resumed: ${e.message}`))));
  });

  const done = (async () => {
    await resumed;
    await Promise.race([Promise.all([exits, collector.allEnded]), failed]);
    if (failure !== undefined) stopAll();
    const codes = await exits;
    await collector.close();
    if (failure !== undefined) throw new HarnessError(`the load stopped: ${failure}`);
    const runners = children.map((c, i) => {
      const state = collector.runners.get(String(i));
      const t = startedAt.get(String(i));
      return {
        runner: String(i),
        segment: state?.segment ?? '',
        pid: c.pid,
        requests: state?.requests ?? 0,
        exitCode: codes[i] ?? null,
        startedAfterMs: t === undefined || firstStartMs === undefined ? null : t - firstStartMs,
      };
    });
    return { exitCode: codes.find((c) => c !== 0) ?? codes[0] ?? null, runners };
  })();

  return {
    pids: children.map((c) => c.pid),
    done,
    stop: stopAll,
  };
}

/** k6's REST API: un-pause a runner started with --paused. */
async function resume(port: number): Promise<void> {
  const body = JSON.stringify({ data: { type: 'status', id: 'default', attributes: { paused: false } } });
  let last: unknown;
  for (let attempt = 0; attempt < 50; attempt++) {
    try {
      const res = await httpText(`http://127.0.0.1:${port}`, '/v1/status', 'k6 runner REST API', { method: 'PATCH', json: body, timeoutMs: 2000 });
      if (res.status >= 200 && res.status < 300) return;
      last = `HTTP ${res.status} ${res.text}`;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`PATCH 127.0.0.1:${port}/v1/status: ${String(last)}`);
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function logTail(runDir: string, runners: number, i: number): string {
  try {
    const text = readFileSync(join(runDir, 'logs', runners === 1 ? 'k6.log' : `k6-${i}.log`), 'utf8');
    return text.trim().split('\n').slice(-3).join(' ').replace(/\s+/g, ' ').slice(-400) || '(its log is empty)';
  } catch {
    return '(no log)';
  }
}
