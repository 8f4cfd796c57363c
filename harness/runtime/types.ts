// The contract every runtime (local child processes, docker containers) fulfils.
// A Runtime only has start(); the StartedStack it returns alone can be stopped, so a stack that
// never started has nothing to stop (see STYLE.md, testcontainers).

import type { EdgeProtocol, System } from '../system/system.ts';

export interface RuntimeOptions {
  /** the system to boot, as its declaration says */
  system: System;
  /** folder of this run: logs go to `${runDir}/logs/<part>.log` */
  runDir: string;
  runId: string;
  /** resilience patterns to switch off, as the system's switches say (its list variable, each pattern's env) */
  disabled: readonly string[];
  seed: number;
  /** progress lines for people ("postgres ready in 412 ms"); never printed directly */
  progress: (line: string) => void;
  /** aborts the boot between parts (Ctrl-C while booting); what started is stopped again */
  signal?: AbortSignal;
}

export interface EdgeEndpoint {
  /** edge name as the system declares it, e.g. 'api->db' */
  edge: string;
  /** Toxiproxy proxy name */
  proxy: string;
  /** host:port the proxy listens on (what the client side dials) */
  listen: string;
  /** host:port of the real upstream */
  upstream: string;
  /** what a probe across it speaks (the callee's protocol), and for HTTP the path it asks */
  protocol: EdgeProtocol;
  probePath?: string;
}

export interface ServiceEndpoint {
  name: string;
  /** base URL, e.g. http://127.0.0.1:41234 */
  url: string;
  /** process id (local) or container id (docker) */
  id: string;
}

/** What a part is doing, as the OS or the engine says: killed covers exited and gone. */
export type PartState = 'running' | 'paused' | 'killed';

/**
 * Process-level control over one part of a started stack (a dependency or a service instance),
 * the same on every runtime. Faults use it; each call says in its error what went wrong.
 */
export interface PartControl {
  /** instance name: a part, or one replica of it (api-1, api-2) */
  readonly part: string;
  /** SIGKILL (local: its process group; docker: `docker kill`); it stays down until start() */
  kill(): Promise<void>;
  /** starts a killed part again on the same port (its data kept) and waits until it is ready */
  start(): Promise<void>;
  /** freezes it (SIGSTOP of its process group; `docker pause`): connections stay open, nothing answers */
  pause(): Promise<void>;
  /** undoes pause(); a no-op on a part that is not paused */
  resume(): Promise<void>;
  state(): Promise<PartState>;
  /** its process id (local) or container id (docker), as of now */
  id(): string;
}

export interface StartedStack {
  runtime: 'local' | 'docker';
  /** the system this stack runs */
  system: System;
  /** where the load generator sends requests: the system's entry part */
  entryUrl: string;
  /** Toxiproxy HTTP API base URL, bound to loopback */
  toxiproxyUrl: string;
  edges: Record<string, EdgeEndpoint>;
  services: Record<string, ServiceEndpoint>;
  /** versions of the programs the stack runs (postgres, redis-server, toxiproxy, node, ...) for result.json */
  versions: Record<string, string>;
  /** kill / start / pause / resume / state of every dependency and service instance (not Toxiproxy) */
  parts: Readonly<Record<string, PartControl>>;
  /** how long start() took until every part was ready */
  bootMs: number;
  /** stops everything this stack started and deletes its temp data; safe to call twice */
  stop(): Promise<void>;
}

export interface Runtime {
  readonly name: 'local' | 'docker';
  /** throws (or rejects with) a HarnessError naming what is missing (a tool, an engine that does not answer) before anything starts */
  check(system: System): void | Promise<void>;
  start(options: RuntimeOptions): Promise<StartedStack>;
}
