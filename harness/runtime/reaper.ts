// What the watchdog (watchdog.ts) does on this machine once its harness is dead: stops every
// process of that one run, fast and all at once — the ledger's children (named by pid and start
// time, never a reused pid), what they forked (Postgres backends leave the postmaster's group),
// and whatever carries the run's FAULTLINE_LEDGER tag (a child spawned as the harness died) —
// then deletes the run's temp dirs and ledgers. The next run's cleanupLeftovers (ledger.ts) does
// the same slowly, for every dead run; this one must be done within about a second.
// With `spare` (a --keep-up run) the stack stays up: its paused parts are resumed, and only the
// load (k6, which has no one left to read it) is stopped.

import { readFile, rm, unlink } from 'node:fs/promises';
import { basename, isAbsolute, join } from 'node:path';
import { type LedgerChild, type LedgerData, TEMP_DIR_PREFIX, taggedProcesses } from './ledger.ts';
import { descendantsOf, processIdentity, signalGroup, sleep } from './processes.ts';

export interface ReapOptions {
  /** where the run's ledgers are (.faultline/state, or FAULTLINE_STATE_DIR) */
  stateDir: string;
  /** how long the parts get after their stop signal before SIGKILL (default 1000 ms) */
  graceMs?: number;
  /** --keep-up: leave the stack up; resume its paused parts, stop the load */
  spare?: boolean;
}

/** The ledgers a run writes: its stack's, and its load's (harness/load/k6.ts). */
export const ledgerIdsOf = (runId: string): { stack: string; load: string } => ({ stack: runId, load: `${runId}-load` });

async function readLedger(stateDir: string, id: string): Promise<LedgerData | undefined> {
  try {
    const data = JSON.parse(await readFile(join(stateDir, `${id}.json`), 'utf8')) as LedgerData;
    return Array.isArray(data.children) && Array.isArray(data.tempDirs) ? data : undefined;
  } catch {
    return undefined; // none (never written, or a clean stop deleted it) or half a file from a crash
  }
}

/** A recorded child that still runs as the very process recorded (command and start time). */
async function stillOurs(child: LedgerChild): Promise<boolean> {
  if (child.pid === null) return false;
  const now = await processIdentity(child.pid);
  if (now === undefined) return false;
  return now.cmdline.join('\0') === child.argv.join('\0') && (child.startTime === null || child.startTime === now.startTime);
}

const alive = async (pids: Iterable<number>): Promise<number[]> => {
  const all = [...new Set(pids)];
  const states = await Promise.all(all.map(async (pid) => (await processIdentity(pid)) !== undefined));
  return all.filter((_, i) => states[i]);
};

async function waitGone(pids: readonly number[], ms: number): Promise<number[]> {
  const deadline = performance.now() + ms;
  let left = await alive(pids);
  while (left.length > 0 && performance.now() < deadline) {
    await sleep(25);
    left = await alive(left);
  }
  return left;
}

/**
 * Stops what the ledgers `ids` name (their children, their descendants, their tagged processes),
 * stop signal first, SIGKILL after `graceMs`. One line per process stopped.
 */
async function stopProcesses(ledgers: readonly { id: string; data: LedgerData | undefined }[], graceMs: number): Promise<string[]> {
  const lines: string[] = [];
  const groups: number[] = [];
  const watched: number[] = [];
  for (const { id, data } of ledgers) {
    for (const child of data?.children ?? []) {
      if (!(await stillOurs(child))) continue;
      const pid = child.pid as number;
      const descendants = descendantsOf(pid); // before the signal: once it dies they are orphans
      watched.push(pid, ...descendants);
      groups.push(pid);
      signalGroup(pid, child.stopSignal);
      signalGroup(pid, 'SIGCONT'); // a part a pause fault froze would never see its stop signal
      for (const d of descendants) signalGroup(d, 'SIGTERM'), signalGroup(d, 'SIGCONT'); // outside its group too
      lines.push(`stopped ${child.name} (pid ${pid}) of ${id}`);
    }
    for (const pid of await taggedProcesses(id, data?.tempDirs ?? [])) {
      if (watched.includes(pid)) continue;
      watched.push(pid);
      signalGroup(pid, 'SIGTERM');
      signalGroup(pid, 'SIGCONT');
      lines.push(`stopped pid ${pid} of ${id} (found by its tag, not by the ledger)`);
    }
  }
  const stubborn = await waitGone(watched, graceMs);
  for (const pid of stubborn) signalGroup(pid, 'SIGKILL');
  for (const pid of groups) signalGroup(pid, 'SIGKILL'); // the rest of a group, whatever is left of it
  if (stubborn.length > 0) lines.push(`SIGKILL to ${stubborn.length} that outlived their stop signal by ${graceMs} ms: ${stubborn.join(', ')}`);
  const left = await waitGone(watched, 1000);
  if (left.length > 0) lines.push(`still running 1 s after SIGKILL (stuck in the kernel?): ${left.join(', ')}`);
  return lines;
}

/** Tears down what run `runId` left on this machine. Returns one line per thing it did. */
export async function reapLocalRun(runId: string, options: ReapOptions): Promise<string[]> {
  const ids = ledgerIdsOf(runId);
  const graceMs = options.graceMs ?? 1000;
  const stack = { id: ids.stack, data: await readLedger(options.stateDir, ids.stack) };
  const load = { id: ids.load, data: await readLedger(options.stateDir, ids.load) };
  const lines: string[] = [];
  if (options.spare) {
    for (const child of stack.data?.children ?? []) {
      if (!(await stillOurs(child))) continue;
      signalGroup(child.pid as number, 'SIGCONT');
      lines.push(`kept up ${child.name} (pid ${child.pid}), resumed in case a pause fault had frozen it`);
    }
  }
  const stopping = options.spare ? [load] : [stack, load];
  lines.push(...(await stopProcesses(stopping, graceMs)));
  // a child spawned as the harness died is tagged, but may have been exec'ing a moment ago
  for (const { id, data } of stopping)
    for (const pid of await taggedProcesses(id, data?.tempDirs ?? [])) {
      signalGroup(pid, 'SIGKILL');
      lines.push(`SIGKILL to pid ${pid} of ${id}, found by its tag after the others had stopped`);
    }
  for (const { id, data } of stopping) {
    for (const dir of data?.tempDirs ?? []) {
      if (!isAbsolute(dir) || !basename(dir).startsWith(TEMP_DIR_PREFIX)) continue;
      await rm(dir, { recursive: true, force: true });
      lines.push(`removed temp dir ${dir} of ${id}`);
    }
    if (data !== undefined) await unlink(join(options.stateDir, `${id}.json`)).catch(() => undefined);
  }
  return lines;
}
