// Keeps the list of children one stack started, in start order, each written to the ledger
// before it is spawned; stops them in reverse order. Also turns a part that would not start
// into one error naming the part, its command and the end of its log.

import { HarnessError } from '../paths.ts';
import type { Ledger, LedgerEntry } from './ledger.ts';
import {
  DEFAULT_STOP_GRACE_MS,
  descendantsOf,
  describeCommand,
  type ProcessSpec,
  processState,
  type RunningProcess,
  signalGroup,
  sleep,
  spawnLogged,
  tailLines,
} from './processes.ts';

export interface Supervisor {
  /**
   * records the child in the ledger, spawns it and keeps it for `stopAll`; `replacing` (a child
   * that was killed) gives the new one its place in the stop order
   */
  launch(spec: ProcessSpec, replacing?: RunningProcess): Promise<RunningProcess>;
  /** SIGKILL to the child's process group now (a fault); the ledger forgets it once it is gone */
  kill(child: RunningProcess): Promise<void>;
  /** stops one child now (a failed start attempt) and forgets it */
  stopOne(child: RunningProcess): Promise<void>;
  /** stops every child, newest first; safe to call twice */
  stopAll(): Promise<void>;
  readonly children: readonly RunningProcess[];
}

export function createSupervisor(ledger: Ledger, graceMs: number = DEFAULT_STOP_GRACE_MS): Supervisor {
  const children: RunningProcess[] = [];
  const entries = new Map<RunningProcess, LedgerEntry>();

  const stopOne = async (child: RunningProcess): Promise<void> => {
    await child.stop(graceMs);
    entries.get(child)?.gone();
    entries.delete(child);
    const i = children.indexOf(child);
    if (i >= 0) children.splice(i, 1);
  };

  return {
    children,
    async launch(spec, replacing) {
      const entry = ledger.willStart(spec.name, spec.argv, spec.stopSignal);
      let child: RunningProcess;
      try {
        child = await spawnLogged(spec);
      } catch (error) {
        entry.gone();
        throw error;
      }
      const at = replacing === undefined ? -1 : children.indexOf(replacing);
      if (at >= 0) {
        children[at] = child;
        entries.get(replacing as RunningProcess)?.gone();
        entries.delete(replacing as RunningProcess);
      } else children.push(child);
      entries.set(child, entry);
      await entry.started(child.pid);
      return child;
    },
    stopOne,
    async kill(child) {
      if (child.exitInfo() === undefined) {
        // its descendants too, wherever their group: a restarted Postgres refuses to start while
        // an orphaned backend of the killed one still holds its shared memory
        const descendants = descendantsOf(child.pid);
        signalGroup(child.pid, 'SIGKILL');
        for (const pid of descendants) signalGroup(pid, 'SIGKILL');
        const exited = await Promise.race([child.exited, sleep(5000).then(() => undefined)]);
        if (exited === undefined) throw new Error(`${child.name} (pid ${child.pid}) did not exit within 5 s of SIGKILL`);
        const deadline = performance.now() + 5000;
        // processState is undefined once a process is gone or a zombie (it holds nothing any more)
        while ((await Promise.all(descendants.map(processState))).some((s) => s !== undefined) && performance.now() < deadline) await sleep(20);
      }
      // kept in `children` (stopping an exited child is a no-op) so a restart takes its place
      entries.get(child)?.gone();
      entries.delete(child);
    },
    async stopAll() {
      for (const child of [...children].reverse()) await stopOne(child);
    },
  };
}

/** The error for a part that did not start: what, which command, why, and its log's last lines. */
export async function startFailure(part: string, spec: Pick<ProcessSpec, 'argv' | 'logFile'>, cause: unknown): Promise<HarnessError> {
  const why = cause instanceof Error ? cause.message : String(cause);
  const tail = await tailLines(spec.logFile, 15);
  const log = tail ? `\n  last lines of ${spec.logFile}:\n${tail.replace(/^/gm, '    ')}` : `\n  (${spec.logFile} is empty)`;
  return new HarnessError(`${part} did not start: ${why}\n  command: ${describeCommand(spec.argv)}${log}`);
}

/** What every part's start function gets from the local runtime. */
export interface PartContext {
  supervisor: Supervisor;
  /** this stack's temp dir (deleted on stop) */
  tempDir: string;
  logsDir: string;
  /** how long a part may take to become ready */
  readyTimeoutMs: number;
  /** minimal environment for children: PATH, HOME, LANG, TMPDIR */
  baseEnv: Readonly<Record<string, string>>;
}
