// The watchdog process (see watchdog.ts): `node watchdog-main.ts <config json>`, stdin the pipe
// from its harness. It acts only when that pipe is closed without a release AND the harness's pid
// with its start time is gone from /proc (a zombie counts as gone): never while the harness lives.
// It also looks at the harness once a second, in case the pipe outlived it somehow.

import { appendFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { reapDockerRun } from './docker-reaper.ts';
import { sleep } from './processes.ts';
import { reapLocalRun } from './reaper.ts';
import type { WatchdogConfig } from './watchdog.ts';

const config = JSON.parse(process.argv[2] ?? '{}') as WatchdogConfig;
const log = (line: string): void => {
  try {
    appendFileSync(config.logFile, `${new Date().toISOString()} ${line}\n`);
  } catch {
    // the run's folder was removed: nobody to tell
  }
};

/**
 * Gone only when /proc says so: no such pid, a zombie, or another process under that pid (another
 * start time). Any other failure to read it counts as alive: never tear down on a doubt.
 */
async function harnessAlive(): Promise<boolean> {
  let stat: string;
  try {
    stat = await readFile(`/proc/${config.harness.pid}/stat`, 'utf8');
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ENOENT' && (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return fields[0] !== 'Z' && fields[0] !== 'X' && fields[19] === config.harness.startTime;
}

let released = false;
let tearingDown = false;

async function tearDown(why: string): Promise<void> {
  if (tearingDown) return;
  tearingDown = true;
  // the pipe closes as the kernel ends the harness, a moment before its pid goes: wait for that
  for (let waited = 0; await harnessAlive(); waited += 10) {
    if (waited === 2000) log(`the pipe closed but harness pid ${config.harness.pid} still runs: waiting for it to end`);
    await sleep(waited < 2000 ? 10 : 250);
  }
  const goneAt = performance.now();
  log(
    `harness pid ${config.harness.pid} is gone (${why}): ${config.keepUp ? 'sparing the kept-up stack (--keep-up), stopping the load' : 'tearing the run down'}`,
  );
  const results = await Promise.allSettled([
    reapLocalRun(config.runId, { stateDir: config.stateDir, spare: config.keepUp }),
    config.runtime === 'docker' && config.dockerHost !== undefined
      ? reapDockerRun(config.dockerHost, config.runId, { spare: config.keepUp })
      : Promise.resolve([]),
  ]);
  for (const r of results) {
    if (r.status === 'fulfilled') for (const line of r.value) log(line);
    else log(`failed: ${(r.reason as Error)?.message ?? String(r.reason)} (the next run cleans up what is left)`);
  }
  log(`done in ${Math.round(performance.now() - goneAt)} ms after the harness was gone`);
  process.exit(0);
}

log(`armed for run ${config.runId} (${config.runtime}${config.keepUp ? ', --keep-up' : ''}): harness pid ${config.harness.pid}`);
process.stdin.on('data', (chunk: Buffer) => {
  if (chunk.toString().includes('release')) released = true;
});
process.stdin.on('error', () => undefined);
process.stdin.on('close', () => {
  if (released) {
    log('released: the run stopped what it started');
    process.exit(0);
  }
  void tearDown('its pipe closed');
});
setInterval(() => {
  void harnessAlive().then((alive) => {
    if (!alive && !released) void tearDown('its pid is gone');
  });
}, 1000);
