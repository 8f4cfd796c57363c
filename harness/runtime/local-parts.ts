// Process-level control over one part of the local stack (kill, start again, pause, resume), for
// the kill and pause faults. A kill is SIGKILL to the part's process group (Postgres' backends
// die with their postmaster); start() runs the very command again — same port, same data dir —
// through the supervisor, so the ledger tracks the new pid and stop() stops it in the old one's
// place. Pause is SIGSTOP to the group: sockets stay open, nothing answers. The state is read from
// /proc, never from what we last asked for.

import { type ProcessSpec, processState, type RunningProcess, signalGroup, waitUntil } from './processes.ts';
import { type Supervisor, startFailure } from './supervisor.ts';
import type { PartControl, PartState } from './types.ts';

export interface LocalPart {
  part: string;
  child: RunningProcess;
  /** the command it was started with, run again by start() */
  spec: ProcessSpec;
  /** resolves true once the part (this process of it) answers as a ready one does */
  ready: (child: RunningProcess) => Promise<boolean>;
  /** what ready() waits for, for messages */
  readyWhat: string;
}

export interface LocalPartOptions {
  supervisor: Supervisor;
  readyTimeoutMs: number;
  /** told the new process after a restart (the stack's process table, service ids) */
  onRestarted?: (child: RunningProcess) => void;
}

export async function localPartState(child: RunningProcess): Promise<PartState> {
  if (child.exitInfo() !== undefined) return 'killed';
  const state = await processState(child.pid);
  if (state === undefined) return 'killed';
  return state === 'T' || state === 't' ? 'paused' : 'running';
}

export function localPartControl(part: LocalPart, options: LocalPartOptions): PartControl {
  let child = part.child;
  // one operation at a time per part: a start racing a kill would leave the ledger confused
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(work: () => Promise<T>): Promise<T> => {
    const next = queue.then(work);
    queue = next.catch(() => undefined);
    return next;
  };
  const signal = (name: NodeJS.Signals): void => {
    if (!signalGroup(child.pid, name)) throw new Error(`${part.part} (pid ${child.pid}): ${name} found no such process`);
  };

  return {
    part: part.part,
    id: () => String(child.pid),
    state: () => localPartState(child),
    kill: () =>
      serial(async () => {
        if ((await localPartState(child)) === 'killed') return;
        await options.supervisor.kill(child);
      }),
    start: () =>
      serial(async () => {
        if ((await localPartState(child)) !== 'killed') return;
        const old = child;
        let fresh: RunningProcess | undefined;
        try {
          fresh = await options.supervisor.launch(part.spec, old);
          child = fresh;
          options.onRestarted?.(fresh);
          const started = fresh;
          await waitUntil(() => part.ready(started), { what: part.readyWhat, timeoutMs: options.readyTimeoutMs, process: fresh, intervalMs: 50 });
        } catch (error) {
          throw await startFailure(`${part.part} (restart)`, part.spec, error);
        }
      }),
    pause: () =>
      serial(async () => {
        if ((await localPartState(child)) !== 'running')
          throw new Error(`${part.part} (pid ${child.pid}) cannot be paused: it is ${await localPartState(child)}`);
        signal('SIGSTOP');
        // the stop is delivered when the kernel next schedules the group: on a busy machine /proc
        // can still say running a moment later, and the fault's proof would read that
        await waitUntil(async () => (await localPartState(child)) !== 'running', {
          what: `${part.part} (pid ${child.pid}) to stop after SIGSTOP`,
          timeoutMs: 2000,
          intervalMs: 10,
        }).catch(() => undefined); // still running: the proof says so, and the fault did not land
      }),
    resume: () =>
      serial(async () => {
        if ((await localPartState(child)) === 'killed') return;
        signal('SIGCONT');
      }),
  };
}
