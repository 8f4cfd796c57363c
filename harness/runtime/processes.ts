// Child processes the local runtime owns: spawned in their own process group (detached), so a
// Ctrl-C reaching our terminal's group does not kill them before we stop them in order; output
// appended to one log file per part; stopped with a signal, then SIGKILL after a grace period.

import { closeSync, openSync, readdirSync, readFileSync, writeSync } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { execa } from 'execa';

export interface ProcessSpec {
  /** part name, used in log file names and messages */
  name: string;
  /** absolute executable, then its arguments */
  argv: readonly string[];
  env: Readonly<Record<string, string>>;
  cwd?: string;
  logFile: string;
  /** run as this user (Postgres refuses to run as root) */
  user?: { uid: number; gid: number };
  /** what asks it to stop; SIGTERM unless the program wants another (Postgres: SIGINT) */
  stopSignal?: NodeJS.Signals;
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface RunningProcess {
  readonly name: string;
  readonly pid: number;
  readonly argv: readonly string[];
  readonly logFile: string;
  /** resolves when the process has exited */
  readonly exited: Promise<ExitInfo>;
  /** how it exited, or undefined while it runs */
  exitInfo(): ExitInfo | undefined;
  /** stop signal, SIGKILL to its group after `graceMs`; resolves once it has exited */
  stop(graceMs?: number): Promise<ExitInfo>;
}

export const DEFAULT_STOP_GRACE_MS = 3000;

/** Spawns the process; resolves once it runs (pid known), rejects when it cannot be started. */
export async function spawnLogged(spec: ProcessSpec): Promise<RunningProcess> {
  const [file, ...args] = spec.argv;
  if (file === undefined) throw new Error(`${spec.name}: empty command`);
  const fd = openSync(spec.logFile, 'a');
  const start = () => {
    writeSync(fd, `--- ${new Date().toISOString()} ${describeCommand(spec.argv)}\n`);
    // execa, told to behave as a plain spawn: exactly this environment, output to the log file,
    // no buffering, no rejection (an exit is reported through `exited`), and no kill when we exit:
    // a part is stopped in order by stop(), and a killed harness's parts are the watchdog's
    return execa(file, args, {
      cwd: spec.cwd,
      env: { ...spec.env },
      extendEnv: false,
      // the log file's descriptor, handed to the child as it is (execa passes a number straight to
      // spawn, so the part keeps writing after we are gone; its types list only fds 3 to 9)
      stdin: 'ignore',
      stdout: fd as 3,
      stderr: fd as 3,
      detached: true,
      cleanup: false,
      reject: false,
      buffer: false,
      uid: spec.user?.uid,
      gid: spec.user?.gid,
    });
  };
  let child: ReturnType<typeof start>;
  try {
    child = start();
  } finally {
    closeSync(fd); // the child holds its own copy
  }
  let info: ExitInfo | undefined;
  const exited = new Promise<ExitInfo>((resolve) => {
    child.once('exit', (code, signal) => {
      info = { code, signal };
      resolve(info);
    });
  });
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', (error) => reject(new Error(`${spec.name}: cannot start ${describeCommand(spec.argv)}: ${error.message}`)));
  });
  child.on('error', () => undefined); // we signal by pid, so a later 'error' has nothing to tell us
  const pid = child.pid as number;

  return {
    name: spec.name,
    pid,
    argv: spec.argv,
    logFile: spec.logFile,
    exited,
    exitInfo: () => info,
    async stop(graceMs = DEFAULT_STOP_GRACE_MS): Promise<ExitInfo> {
      if (info) return info;
      signalGroup(pid, spec.stopSignal ?? 'SIGTERM');
      signalGroup(pid, 'SIGCONT'); // a frozen (paused) part would hold its stop signal pending for ever
      const graceful = await Promise.race([exited, unrefDelay(graceMs)]);
      if (graceful) return graceful;
      signalGroup(pid, 'SIGKILL');
      // A process stuck in the kernel (state D) may outlive even SIGKILL for a while; do not hang.
      return (await Promise.race([exited, unrefDelay(5000)])) ?? { code: null, signal: null };
    },
  };
}

/** Signals a process group (our children lead their own); falls back to the single pid. */
export function signalGroup(pid: number, signal: NodeJS.Signals): boolean {
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, signal);
      return true;
    } catch {
      // ESRCH: no such group / process
    }
  }
  return false;
}

/**
 * Every live descendant of `pid` (children, their children, …), from /proc. A process group is not
 * enough: Postgres puts each backend in a session of its own (setsid), so SIGKILL to the
 * postmaster's group leaves its backends holding the shared memory until they notice.
 */
export function descendantsOf(pid: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      parentOf.set(Number(entry), Number(statFields(readFileSync(`/proc/${entry}/stat`, 'utf8'))[1]));
    } catch {
      // exited while we looked
    }
  }
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const parent = queue.shift() as number;
    for (const [child, ppid] of parentOf) if (ppid === parent && !found.includes(child)) found.push(child), queue.push(child);
  }
  return found;
}

/** /proc/<pid>/stat's fields from the third (state, ppid, …) on: after the command's closing ')'. */
function statFields(stat: string): string[] {
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

export interface ProcessIdentity {
  cmdline: string[];
  /** start time in clock ticks since boot (/proc/<pid>/stat field 22): a reused pid differs */
  startTime: string;
}

/** What /proc says about a live process; undefined when it is gone or a zombie. */
export async function processIdentity(pid: number): Promise<ProcessIdentity | undefined> {
  try {
    const [cmdline, stat] = await Promise.all([readFile(`/proc/${pid}/cmdline`, 'utf8'), readFile(`/proc/${pid}/stat`, 'utf8')]);
    const fields = statFields(stat);
    if (fields[0] === 'Z' || fields[0] === 'X') return undefined;
    return { cmdline: cmdline.split('\0').filter((part, i, all) => i < all.length - 1 || part !== ''), startTime: fields[19] ?? '' };
  } catch {
    return undefined;
  }
}

/** The kernel's state letter of a live process (R, S, D, T stopped, …); undefined when gone or a zombie. */
export async function processState(pid: number): Promise<string | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const state = statFields(stat)[0];
    return state === 'Z' || state === 'X' ? undefined : state;
  } catch {
    return undefined;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Resolves undefined after `ms` without keeping the process alive (for races with an exit). */
function unrefDelay(ms: number): Promise<undefined> {
  return new Promise((resolve) => setTimeout(resolve, ms, undefined).unref());
}

/** A command as a person would type it, for messages and log headers. */
export function describeCommand(argv: readonly string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", `'\\''`)}'`)).join(' ');
}

/** The last `lines` lines of a log file ('' when it does not exist). */
export async function tailLines(file: string, lines = 20): Promise<string> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(file, 'r');
  } catch {
    return '';
  }
  try {
    const { size } = await handle.stat();
    const length = Math.min(size, 64 * 1024);
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, size - length);
    return buffer.toString('utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } finally {
    await handle.close();
  }
}

export interface WaitOptions {
  /** what is awaited, for messages ("a pg connection as postgres") */
  what: string;
  timeoutMs: number;
  intervalMs?: number;
  /** give up at once when this process exits */
  process?: RunningProcess;
}

/**
 * Polls `ready` until it resolves true. Rejects when the watched process exits or on timeout,
 * saying which, with the last error `ready` threw.
 */
export async function waitUntil(ready: () => Promise<boolean>, options: WaitOptions): Promise<void> {
  const deadline = performance.now() + options.timeoutMs;
  let lastError = '';
  for (;;) {
    const exit = options.process?.exitInfo();
    if (exit) throw new Error(`exited (${exit.signal ?? `code ${exit.code}`}) before it was ready (waited for ${options.what})`);
    try {
      if (await ready()) return;
    } catch (error) {
      lastError = (error as Error).message;
    }
    if (performance.now() >= deadline)
      throw new Error(`not ready within ${options.timeoutMs} ms (waited for ${options.what}${lastError ? `; last error: ${lastError}` : ''})`);
    await sleep(options.intervalMs ?? 50);
  }
}
