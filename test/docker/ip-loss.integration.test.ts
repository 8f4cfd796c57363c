// The ipLoss fault on a booted docker stack: an iptables DROP rule in one part's container whose
// own counters rise while it is in force, proven from those counters, and deleted on removal.
// Skips, saying why, where no engine answers or the images are not built.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ipLossFault } from '../../harness/faults/ip-loss.ts';
import { type DockerStack, dockerRuntime } from '../../harness/runtime/docker.ts';
import { redisPing } from '../../harness/runtime/redis.ts';
import { shop } from '../helpers/systems.ts';
import { docker, leftoversOf, skipReason } from './engine.ts';

const scratch = mkdtempSync(join(tmpdir(), 'faultline-test-ip-loss-'));
const runId = `test-ip-loss-${Math.random().toString(36).slice(2, 8)}`;

/** The INPUT chain as iptables itself lists it in the container, read apart from the harness's parser. */
const listing = (container: string): string =>
  execFileSync('docker', ['exec', '-u', 'root', container, 'iptables', '-w', '-L', 'INPUT', '-v', '-x', '-n'], { encoding: 'utf8' });
const ruleLine = (container: string, comment: string): string | undefined =>
  listing(container)
    .split('\n')
    .find((l) => l.includes(`/* ${comment} */`));

describe.skipIf(!docker.ok)(`ipLoss on the docker runtime ${skipReason}`, () => {
  let stack: DockerStack;
  beforeAll(async () => {
    stack = await dockerRuntime().start({ system: shop, runDir: join(scratch, runId), runId, disabled: [], seed: 5, progress: () => undefined });
  }, 120_000);
  afterAll(async () => {
    await stack?.stop();
    expect(leftoversOf(runId)).toEqual({ containers: [], networks: [] });
    rmSync(scratch, { recursive: true, force: true });
  }, 60_000);

  it('drops packets arriving at a part, proven by the rule counter, and deletes the rule on removal', { timeout: 60_000 }, async () => {
    const id = 'faultline-0-ipLoss';
    const redis = stack.containers.redis?.name as string;
    const active = await ipLossFault.apply(stack, { part: 'redis', probability: 0.5 }, id);
    let removed = false;
    try {
      expect(ruleLine(redis, id)).toMatch(/DROP .*statistic mode random probability 0\.5/);
      expect(ruleLine(redis, `${id}-seen`)).toBeDefined();
      const proof = await active.prove();
      expect(proof.landed, proof.evidence).toBe(true);
      console.log(`ipLoss proof: ${proof.evidence}`);
      const [, dropped, arrived] = /: (\d+) of (\d+) packets arriving since it was added dropped/.exec(proof.evidence) ?? [];
      expect(Number(dropped), proof.evidence).toBeGreaterThan(0);
      expect(Number(arrived)).toBeGreaterThanOrEqual(Number(dropped));
      // iptables' own counter, read apart from the fault's proof: packets really were dropped
      const counted = Number(/^\s*(\d+)\s/.exec(ruleLine(redis, id) ?? '')?.[1]);
      expect(counted).toBeGreaterThanOrEqual(Number(dropped));
      const removal = await active.remove();
      removed = true;
      expect(removal.landed, removal.evidence).toBe(true);
      expect(removal.evidence).toMatch(new RegExp(`${id} deleted from ${redis} \\(no longer listed\\); until then \\d+ of \\d+ packets`));
    } finally {
      if (!removed) await active.remove();
    }
    expect(ruleLine(redis, id)).toBeUndefined();
    expect(ruleLine(redis, `${id}-seen`)).toBeUndefined();
    // with the rule gone Redis answers through its edge again, at once
    const [host, port] = (stack.edges['catalog->redis'] as { listen: string }).listen.split(':');
    expect(await redisPing(Number(port), host as string, 2000)).toBe(true);
  });

  it('says it did not hold when the rule vanished before its scheduled end', { timeout: 60_000 }, async () => {
    const id = 'faultline-1-ipLoss';
    const recommendations = stack.containers.recommendations?.name as string;
    const active = await ipLossFault.apply(stack, { part: 'recommendations', probability: 0.2 }, id);
    execFileSync('docker', ['exec', '-u', 'root', recommendations, 'iptables', '-w', '-F', 'INPUT']);
    const proof = await active.prove();
    expect(proof.landed).toBe(false);
    expect(proof.evidence).toContain(`${id} is not listed in ${recommendations}'s INPUT chain`);
    const removal = await active.remove();
    expect(removal.landed).toBe(false);
    expect(removal.evidence).toContain(`${id} had gone from ${recommendations} before its scheduled end`);
  });
});
