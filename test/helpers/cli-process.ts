// The harness CLI as a child process, as a user runs it, with helpers to wait for a line of its
// progress (so a test acts on what the run is doing, never on how long it took).

import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../harness/paths.ts';

export interface CliExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface CliProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  stdout(): string;
  stderr(): string;
  /** resolves with the first stderr line matching `pattern`; rejects if the CLI exits first */
  line(pattern: RegExp): Promise<RegExpMatchArray>;
  readonly exited: Promise<CliExit>;
}

export function startCli(args: readonly string[], env: Record<string, string>): CliProcess {
  const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', join(PROJECT_ROOT, 'harness/cli.ts'), ...args], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const waiting: { pattern: RegExp; resolve: (m: RegExpMatchArray) => void; reject: (e: Error) => void }[] = [];
  const check = (): void => {
    for (const w of [...waiting]) {
      const match = err
        .split('\n')
        .map((l) => w.pattern.exec(l))
        .find((m) => m !== null);
      if (match) {
        waiting.splice(waiting.indexOf(w), 1);
        w.resolve(match);
      }
    }
  };
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => {
    err += chunk.toString();
    check();
  });
  let closed = false;
  const exited = new Promise<CliExit>((resolve) =>
    child.once('close', (code, signal) => {
      closed = true;
      check();
      for (const w of waiting.splice(0)) w.reject(new Error(`the CLI exited (${signal ?? code}) before printing ${w.pattern}; stderr:\n${err}`));
      resolve({ code, signal });
    }),
  );
  return {
    child,
    pid: child.pid as number,
    stdout: () => out,
    stderr: () => err,
    line: (pattern) =>
      new Promise((resolve, reject) => {
        waiting.push({ pattern, resolve, reject });
        check();
        if (closed && waiting.some((w) => w.pattern === pattern)) {
          waiting.splice(
            waiting.findIndex((w) => w.pattern === pattern),
            1,
          );
          reject(new Error(`the CLI had exited before printing ${pattern}; stderr:\n${err}`));
        }
      }),
    exited,
  };
}
