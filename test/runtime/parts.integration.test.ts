// The kill and pause faults on a real local stack: Postgres killed and started again (same port,
// same data, a new pid the ledger tracks), a catalog replica frozen and resumed, each proven by
// its state and a probe; a frozen part left at stop() is still stopped, and nothing outlives it.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killFault } from '../../harness/faults/kill.ts';
import { pauseFault } from '../../harness/faults/pause.ts';
import type { LedgerData } from '../../harness/runtime/ledger.ts';
import { type LocalStack, localRuntime } from '../../harness/runtime/local.ts';
import { PG_DATABASE, PG_USER } from '../../harness/runtime/postgres.ts';
import { processIdentity } from '../../harness/runtime/processes.ts';
import { shop } from '../helpers/systems.ts';

const scratch = mkdtempSync(join(tmpdir(), 'faultline-test-parts-'));
const stateDir = join(scratch, 'state');
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const ledgerPids = (_stack: LocalStack, runId: string): Record<string, number | null> =>
  Object.fromEntries((JSON.parse(readFileSync(join(stateDir, `${runId}.json`), 'utf8')) as LedgerData).children.map((c) => [c.name, c.pid]));

describe('process-level faults on the local runtime', () => {
  let stack: LocalStack;
  const runId = 'parts';

  beforeAll(async () => {
    stack = await localRuntime({ stateDir }).start({ system: shop, runDir: join(scratch, runId), runId, disabled: [], seed: 1, progress: () => undefined });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('kills Postgres, proves it is down, and starts it again on the same port with its data', async () => {
    const edge = stack.edges['orders->postgres'];
    const url = `postgres://${PG_USER}@${stack.edges['catalog->postgres']?.listen}/${PG_DATABASE}`;
    const before = new pg.Client({ connectionString: url });
    await before.connect();
    await before.query('CREATE TABLE IF NOT EXISTS survives_kill (n int)');
    await before.query('INSERT INTO survives_kill VALUES (42)');
    await before.end();
    const oldPid = stack.processes.postgres?.pid as number;

    const fault = await killFault.apply(stack, { part: 'postgres' }, 'test-kill');
    const proof = await fault.prove();
    expect(proof.landed, proof.evidence).toBe(true);
    expect(proof.evidence).toMatch(
      /state killed; before: a probe via catalog->postgres answered in [\d.]+ ms; after: a probe via catalog->postgres failed after \d+ ms/,
    );
    expect(await processIdentity(oldPid)).toBeUndefined();
    expect(await stack.parts.postgres?.state()).toBe('killed');
    expect(ledgerPids(stack, runId).postgres).toBeUndefined(); // the dead pid is no longer ours to kill

    const removed = await fault.remove();
    expect(removed.landed, removed.evidence).toBe(true);
    expect(removed.evidence).toMatch(/ready in \d+ ms; a probe via catalog->postgres answered/);
    expect(await fault.remove()).toEqual({ landed: true, evidence: 'already removed' });
    const newPid = stack.processes.postgres?.pid as number;
    expect(newPid).not.toBe(oldPid);
    expect(ledgerPids(stack, runId).postgres).toBe(newPid);
    expect(edge).toBeDefined();
    const after = new pg.Client({ connectionString: url });
    await after.connect();
    expect((await after.query('SELECT n FROM survives_kill')).rows).toEqual([{ n: 42 }]);
    await after.end();
  });

  it('freezes a catalog replica, proves a probe into it times out, and resumes it', async () => {
    const fault = await pauseFault.apply(stack, { part: 'catalog-2' }, 'test-pause');
    const proof = await fault.prove();
    expect(proof.landed, proof.evidence).toBe(true);
    expect(proof.evidence).toMatch(/state paused; .* frozen: a probe via gateway->catalog-2 failed after \d+ ms/);
    const removed = await fault.remove();
    expect(removed.landed, removed.evidence).toBe(true);
    expect(removed.evidence).toMatch(/resumed; a probe via gateway->catalog-2 answered/);
    expect(await stack.parts['catalog-2']?.state()).toBe('running');
  });

  it('says a kill did not land when the part was back before its removal', async () => {
    const fault = await killFault.apply(stack, { part: 'redis' }, 'test-kill-redis');
    expect((await fault.prove()).landed).toBe(true);
    await stack.parts.redis?.start(); // someone else brought it back
    const removed = await fault.remove();
    expect(removed.landed).toBe(false);
    expect(removed.evidence).toMatch(/redis was running again before its scheduled end/);
  });

  it('stops a stack with a frozen part and leaves no process behind', async () => {
    const pids = Object.values(stack.processes).map((p) => p.pid);
    await stack.parts.gateway?.pause();
    expect(await stack.parts.gateway?.state()).toBe('paused');
    const t0 = performance.now();
    await stack.stop();
    expect(performance.now() - t0).toBeLessThan(10_000);
    for (const pid of pids) expect(await processIdentity(pid)).toBeUndefined();
  });
});
