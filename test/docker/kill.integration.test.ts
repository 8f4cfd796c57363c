// The kill check on the docker runtime, through the CLI as a user runs it: a postgres-latency run
// SIGKILLed once its containers are up leaves them behind (nothing could stop them); the next docker
// run, interrupted with Ctrl-C once booted, says what it removed of the killed one before it booted,
// and afterwards `docker ps -a` and `docker network ls` show nothing labelled with either run's id.
// Skips, saying why, where no engine answers or the images are not built.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupDockerLeftovers } from '../../harness/runtime/docker-cleanup.ts';
import { connectEngine } from '../../harness/runtime/docker-parts.ts';
import { type CliProcess, startCli } from '../helpers/cli-process.ts';
import { docker, leftoversOf, skipReason } from './engine.ts';

const scratch = mkdtempSync(join(tmpdir(), 'faultline-docker-kill-'));
// no watchdog: this tests the second line of defence (test/docker/deadman.integration.test.ts the first)
const env = { TMPDIR: scratch, FAULTLINE_STATE_DIR: join(scratch, 'state'), FAULTLINE_WATCHDOG: 'off' };
const args = ['postgres-latency', '--runtime', 'docker', '--seed', '11', '--report-dir', join(scratch, 'reports')];
const RUN_LINE = /^ {2}run (\S+): postgres-latency on the docker runtime/;
const READY_LINE = /^ {2}docker stack ready in \d+ ms/;
const started: CliProcess[] = [];

afterAll(async () => {
  // a failed assertion must not leave a run or its containers behind
  for (const cli of started) if (cli.child.exitCode === null && cli.child.signalCode === null) cli.child.kill('SIGINT');
  await Promise.all(started.map((c) => c.exited));
  if (docker.ok) await cleanupDockerLeftovers(await connectEngine(), () => undefined);
  rmSync(scratch, { recursive: true, force: true });
}, 60_000);

describe.skipIf(!docker.ok)(`the docker runtime killed with SIGKILL ${skipReason}`, () => {
  it('leaves containers that the next run reports and removes before it boots, and nothing labelled with either run after', { timeout: 240_000 }, async () => {
    const killed = startCli(args, env);
    started.push(killed);
    const killedRunId = (await killed.line(RUN_LINE))[1] as string;
    await killed.line(READY_LINE);
    const left = leftoversOf(killedRunId);
    expect(left.containers.length, killed.stderr()).toBeGreaterThan(0);
    expect(left.networks).toEqual([`faultline-${killedRunId}`]);
    killed.child.kill('SIGKILL');
    expect((await killed.exited).signal).toBe('SIGKILL');
    // nothing stopped them: SIGKILL leaves no chance to clean up
    expect(leftoversOf(killedRunId)).toEqual(left);

    const next = startCli(args, env);
    started.push(next);
    const nextRunId = (await next.line(RUN_LINE))[1] as string;
    await next.line(READY_LINE);
    next.child.kill('SIGINT');
    const exit = await next.exited;
    expect(exit.code, next.stderr()).toBe(130);

    // the next run said what it found and what it removed, each thing once, before its stack was ready
    const text = next.stderr();
    const beforeReady = text.slice(0, text.search(/\n {2}docker stack ready in/));
    // (another faultline run on the same engine may get there first: that is in its output, not in this one)
    expect(beforeReady, `the next run's output:\n${beforeReady}`).toContain(
      `docker run ${killedRunId} ended without stopping its stack: removing its ${left.containers.length + 1} containers and networks`,
    );
    const removed = beforeReady.split('\n').filter((l) => l.includes('cleaned up: removed') && l.includes(killedRunId));
    expect(removed.filter((l) => l.includes('cleaned up: removed container')).length).toBe(left.containers.length);
    for (const name of left.containers)
      expect(
        removed.filter((l) => l.includes(`removed container ${name} `)),
        name,
      ).toHaveLength(1);
    expect(removed.filter((l) => l.includes(`cleaned up: removed network faultline-${killedRunId} of run ${killedRunId}`))).toHaveLength(1);

    // `docker ps -a` and `docker network ls`, filtered by faultline's run-id label
    expect(leftoversOf(killedRunId)).toEqual({ containers: [], networks: [] });
    expect(leftoversOf(nextRunId)).toEqual({ containers: [], networks: [] });
  });
});
