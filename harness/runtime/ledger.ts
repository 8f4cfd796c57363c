// The ledger: before the local runtime starts a child it writes down what it is about to start
// (command, then pid and start time) and which temp dirs it made, in
// `.faultline/state/<runId>.json`. A clean stop deletes the file. When a run dies without
// stopping (SIGKILL, crash, power loss), the next run calls `cleanupLeftovers` to kill what is
// still running and delete what is left on disk, and never touches a pid that was reused.
// Every child also carries FAULTLINE_LEDGER=<runId> in its environment: a run killed between a
// fork and the write of the child's pid leaves a child the ledger cannot name by pid, and the
// tag still finds it (and any process it forked).

import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { readdir, readFile, rm, unlink } from 'node:fs/promises';
import { basename, isAbsolute, join } from 'node:path';
import { STATE_DIR } from '../paths.ts';
import { processIdentity, signalGroup, sleep } from './processes.ts';

export interface LedgerChild {
  name: string;
  argv: string[];
  pid: number | null;
  /** /proc/<pid>/stat start time, so a pid reused by another process is never mistaken for ours */
  startTime: string | null;
  stopSignal: NodeJS.Signals;
  recordedAt: string;
}

export interface LedgerData {
  version: 1;
  runId: string;
  owner: { pid: number; startTime: string };
  createdAt: string;
  tempDirs: string[];
  children: LedgerChild[];
}

export interface LedgerEntry {
  /** records the pid once the child runs */
  started(pid: number): Promise<void>;
  /** the child has been stopped (or never started): forget it */
  gone(): void;
}

export interface Ledger {
  readonly file: string;
  /** put this into every child's environment: it names the ledger that owns the child */
  readonly env: Readonly<Record<string, string>>;
  addTempDir(dir: string): void;
  /** records a child about to be started, before it is spawned */
  willStart(name: string, argv: readonly string[], stopSignal?: NodeJS.Signals): LedgerEntry;
  /** everything was stopped and removed: delete the ledger */
  close(): void;
}

export const TEMP_DIR_PREFIX = 'faultline-';
export const LEDGER_ENV = 'FAULTLINE_LEDGER';

function ownStartTime(): string {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? '';
}

export function openLedger(runId: string, stateDir: string = STATE_DIR): Ledger {
  mkdirSync(stateDir, { recursive: true });
  const file = join(stateDir, `${runId}.json`);
  const data: LedgerData = {
    version: 1,
    runId,
    owner: { pid: process.pid, startTime: ownStartTime() },
    createdAt: new Date().toISOString(),
    tempDirs: [],
    children: [],
  };
  let closed = false;
  // Synchronous whole-file writes (temp file + rename): the file is always complete and
  // parallel starts cannot interleave half-written states.
  const write = (): void => {
    if (closed) return;
    writeFileSync(`${file}.tmp`, `${JSON.stringify(data, null, 2)}\n`);
    renameSync(`${file}.tmp`, file);
  };
  write();

  return {
    file,
    env: { [LEDGER_ENV]: runId },
    addTempDir(dir) {
      data.tempDirs.push(dir);
      write();
    },
    willStart(name, argv, stopSignal = 'SIGTERM') {
      const child: LedgerChild = { name, argv: [...argv], pid: null, startTime: null, stopSignal, recordedAt: new Date().toISOString() };
      data.children.push(child);
      write();
      return {
        async started(pid) {
          child.pid = pid;
          write(); // the pid first, in case we die while reading its start time
          child.startTime = (await processIdentity(pid))?.startTime ?? null;
          write();
        },
        gone() {
          data.children = data.children.filter((c) => c !== child);
          write();
        },
      };
    },
    close() {
      closed = true;
      rmSync(file, { force: true });
      rmSync(`${file}.tmp`, { force: true });
    },
  };
}

export interface CleanupOptions {
  stateDir?: string;
  /** how long a leftover gets to exit after its stop signal before SIGKILL */
  graceMs?: number;
}

/**
 * Reads every ledger left by runs that are no longer alive, kills their recorded children whose
 * /proc cmdline (and start time) still match what was recorded, removes their temp dirs and the
 * ledger. Returns one line per thing it did; `progress` hears about each stale run as it goes.
 */
export async function cleanupLeftovers(progress: (line: string) => void, options: CleanupOptions = {}): Promise<string[]> {
  const stateDir = options.stateDir ?? STATE_DIR;
  let files: string[];
  try {
    files = (await readdir(stateDir)).filter((f) => f.endsWith('.json'));
  } catch {
    return []; // no state dir: nothing ever ran here
  }
  const lines: string[] = [];
  for (const name of files) {
    const file = join(stateDir, name);
    let data: LedgerData;
    try {
      data = JSON.parse(await readFile(file, 'utf8')) as LedgerData;
      if (data.version !== 1 || !Array.isArray(data.children) || !Array.isArray(data.tempDirs)) throw new Error('unknown format');
    } catch (error) {
      await unlink(file).catch(() => undefined);
      lines.push(`removed unreadable ledger ${file} (${(error as Error).message})`);
      continue;
    }
    const owner = await processIdentity(data.owner.pid);
    if (owner !== undefined && owner.startTime === data.owner.startTime) {
      progress(`run ${data.runId} is still running (pid ${data.owner.pid}): left alone`);
      continue;
    }
    progress(`run ${data.runId} ended without stopping its stack: cleaning up after it`);
    for (const child of [...data.children].reverse()) {
      const line = await killLeftover(data.runId, child, options.graceMs ?? 3000);
      if (line) lines.push(line);
    }
    lines.push(...(await killTagged(data.runId, data.tempDirs, options.graceMs ?? 3000)));
    for (const dir of data.tempDirs) {
      if (!isAbsolute(dir) || !basename(dir).startsWith(TEMP_DIR_PREFIX)) {
        lines.push(`did not remove ${JSON.stringify(dir)} from run ${data.runId}: not a faultline temp dir`);
        continue;
      }
      await rm(dir, { recursive: true, force: true });
      lines.push(`removed temp dir ${dir} of run ${data.runId}`);
    }
    await unlink(file).catch(() => undefined);
  }
  return lines;
}

async function killLeftover(runId: string, child: LedgerChild, graceMs: number): Promise<string | undefined> {
  if (child.pid === null) return undefined;
  const now = await processIdentity(child.pid);
  if (now === undefined) return undefined; // long gone
  const sameCommand = now.cmdline.join('\0') === child.argv.join('\0');
  const sameStart = child.startTime === null || child.startTime === now.startTime;
  if (!sameCommand || !sameStart) {
    const why = sameCommand ? 'started later' : `now runs ${now.cmdline.join(' ').slice(0, 120)}`;
    return `pid ${child.pid} (was ${child.name} of run ${runId}) is another process now (${why}): left alone`;
  }
  signalGroup(child.pid, child.stopSignal);
  signalGroup(child.pid, 'SIGCONT'); // a part a pause fault froze would never see its stop signal
  const deadline = performance.now() + graceMs;
  while (performance.now() < deadline && (await processIdentity(child.pid)) !== undefined) await sleep(50);
  let how = child.stopSignal;
  if ((await processIdentity(child.pid)) !== undefined) {
    signalGroup(child.pid, 'SIGKILL');
    how = 'SIGKILL';
    for (let i = 0; i < 40 && (await processIdentity(child.pid)) !== undefined; i++) await sleep(50);
  }
  return `stopped leftover ${child.name} (pid ${child.pid}, ${how}) of run ${runId}`;
}

/**
 * Pids of live processes that belong to a run: their environment carries FAULTLINE_LEDGER=<runId>
 * or their command line names one of the run's temp dirs (Postgres rewrites its environment
 * area for its process titles, but keeps `-D <tempDir>/pgdata`).
 */
export async function taggedProcesses(runId: string, tempDirs: readonly string[] = []): Promise<number[]> {
  const tag = `\0${LEDGER_ENV}=${runId}\0`;
  const dirs = tempDirs.filter((d) => isAbsolute(d) && basename(d).startsWith(TEMP_DIR_PREFIX)).map((d) => `${d}/`);
  const pids: number[] = [];
  for (const entry of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const identity = await processIdentity(Number(entry));
    if (identity === undefined) continue;
    const environ = await readFile(`/proc/${entry}/environ`, 'latin1').catch(() => '');
    const cmdline = `${identity.cmdline.join(' ')} `;
    if (`\0${environ}`.includes(tag) || dirs.some((d) => cmdline.includes(d))) pids.push(Number(entry));
  }
  return pids;
}

/** Stops what the ledger could not name by pid: processes still tagged with the dead run's id. */
async function killTagged(runId: string, tempDirs: readonly string[], graceMs: number): Promise<string[]> {
  const pids = await taggedProcesses(runId, tempDirs);
  if (pids.length === 0) return [];
  const described = await Promise.all(pids.map(async (pid) => `${pid} ${((await processIdentity(pid))?.cmdline ?? []).join(' ').slice(0, 80)}`));
  for (const pid of pids) {
    signalGroup(pid, 'SIGTERM');
    signalGroup(pid, 'SIGCONT');
  }
  const deadline = performance.now() + graceMs;
  const alive = async (): Promise<number[]> => (await Promise.all(pids.map(async (pid) => ((await processIdentity(pid)) ? pid : 0)))).filter((p) => p > 0);
  while (performance.now() < deadline && (await alive()).length > 0) await sleep(50);
  for (const pid of await alive()) signalGroup(pid, 'SIGKILL');
  return described.map((d) => `stopped leftover process ${d} of run ${runId} (not named by pid in its ledger; found by its ${LEDGER_ENV} tag or temp dir)`);
}
