// Toxic leases against faultline's real toxiproxy-server on 127.0.0.1: a held lease is renewed and
// its toxic stays; a keeper that stops renewing (a dead or paused harness) loses the toxic to the
// server after the TTL, and hears so; a released lease is never acted on; a partition's lease
// enables the proxy again. Short TTLs (400 ms, renewed every 100 ms) keep it fast.

import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keepLeases, leasesAt } from '../../harness/faults/lease.ts';
import { openLedger } from '../../harness/runtime/ledger.ts';
import { createSupervisor, type Supervisor } from '../../harness/runtime/supervisor.ts';
import { addToxic, createProxy, getProxy, listLeases, listToxics, removeToxic, setProxyEnabled } from '../../harness/runtime/toxiproxy.ts';
import { type StartedToxiproxy, startToxiproxy } from '../../harness/runtime/toxiproxy-server.ts';
import { toolPath } from '../../harness/tools.ts';

const scratch = mkdtempSync(join(tmpdir(), 'faultline-lease-'));
let supervisor: Supervisor;
let toxiproxy: StartedToxiproxy;
const TTL_MS = 400;

beforeAll(async () => {
  const logsDir = join(scratch, 'logs');
  mkdirSync(logsDir);
  supervisor = createSupervisor(openLedger('lease-test', join(scratch, 'state')));
  toxiproxy = await startToxiproxy(
    { supervisor, tempDir: scratch, logsDir, readyTimeoutMs: 10_000, baseEnv: { PATH: process.env.PATH ?? '' } },
    toolPath('toxiproxy-server'),
    1,
  );
  await createProxy(toxiproxy.url, { name: 'db', listen: '127.0.0.1:0', upstream: '127.0.0.1:1' });
});
afterAll(async () => {
  await supervisor?.stopAll();
  rmSync(scratch, { recursive: true, force: true });
});

const names = async (): Promise<string[]> => (await listToxics(toxiproxy.url, 'db')).map((t) => t.name).sort();
const slow = (name: string) => ({ name, type: 'latency' as const, attributes: { latency: 100 } });

describe('toxic leases', () => {
  it('keeps a renewed toxic, and loses it to the server once renewals stop', async () => {
    const lines: string[] = [];
    const keeper = keepLeases(toxiproxy.url, { ttlMs: TTL_MS, renewEveryMs: 100, progress: (l) => lines.push(l) });
    const leased = { proxy: 'db', toxic: 'held' };
    await leasesAt(toxiproxy.url).hold(leased);
    await addToxic(toxiproxy.url, 'db', slow('held'));
    await sleep(TTL_MS * 3);
    expect(await names(), 'renewed for three TTLs').toEqual(['held']);

    keeper.close(); // the harness stops renewing: dead, or paused in a debugger
    const stoppedAt = performance.now();
    while ((await names()).length > 0 && performance.now() - stoppedAt < 3000) await sleep(20);
    const goneAfterMs = performance.now() - stoppedAt;
    expect(await names()).toEqual([]);
    expect(goneAfterMs).toBeLessThan(TTL_MS + 250); // at most the TTL after the last renewal, plus the 100 ms sweep
    expect(goneAfterMs).toBeGreaterThan(TTL_MS - 150); // the last renewal was at most 100 ms before close

    // a harness that was only slow hears of it, and its fault's evidence says so
    expect(await keeper.lapseNote(leased)).toBe(` (its lease ran out: the harness had not renewed it for ${TTL_MS} ms, and Toxiproxy removed the toxic)`);
    expect(lines).toEqual([
      expect.stringMatching(/^lease ran out: Toxiproxy removed the toxic \(db\/toxics\/held\) \d+ ms ago: the harness had not renewed it for 400 ms$/),
    ]);
    expect(leasesAt(toxiproxy.url).lapseNote, 'a closed keeper is no longer what faults find').not.toBe(keeper.lapseNote);
  });

  it('never acts on a released lease, and grants before the toxic exists', async () => {
    const keeper = keepLeases(toxiproxy.url, { ttlMs: TTL_MS, renewEveryMs: 100 });
    try {
      const leased = { proxy: 'db', toxic: 'released' };
      await keeper.hold(leased);
      expect((await listLeases(toxiproxy.url)).leases.map((l) => l.id)).toEqual(['db/toxics/released']);
      await addToxic(toxiproxy.url, 'db', slow('released'));
      await keeper.release(leased);
      await keeper.release(leased); // twice is fine
      expect((await listLeases(toxiproxy.url)).leases).toEqual([]);
      keeper.close();
      await sleep(TTL_MS * 2);
      expect(await names()).toEqual(['released']);
    } finally {
      keeper.close();
    }
  });

  it('renews again when a lease is held after every earlier one was released', async () => {
    // the renewal timer runs only while a lease is held: it must start again with the next hold
    const keeper = keepLeases(toxiproxy.url, { ttlMs: TTL_MS, renewEveryMs: 100 });
    try {
      await keeper.hold({ proxy: 'db', toxic: 'first' });
      await keeper.release({ proxy: 'db', toxic: 'first' });
      await sleep(200);
      const again = { proxy: 'db', toxic: 'again' };
      await keeper.hold(again);
      await addToxic(toxiproxy.url, 'db', slow('again'));
      await sleep(TTL_MS * 3);
      expect(await names(), 'renewed for three TTLs').toContain('again');
      await keeper.release(again);
    } finally {
      keeper.close();
      await removeToxic(toxiproxy.url, 'db', 'again').catch(() => undefined);
    }
  });

  it('enables a partitioned proxy again when its lease runs out', async () => {
    const keeper = keepLeases(toxiproxy.url, { ttlMs: TTL_MS, renewEveryMs: 100 });
    await keeper.hold({ proxy: 'db' });
    await setProxyEnabled(toxiproxy.url, 'db', false);
    keeper.close();
    const stoppedAt = performance.now();
    while (!(await getProxy(toxiproxy.url, 'db')).enabled && performance.now() - stoppedAt < 3000) await sleep(20);
    expect((await getProxy(toxiproxy.url, 'db')).enabled).toBe(true);
    expect(performance.now() - stoppedAt).toBeLessThan(TTL_MS + 250);
  });

  it('says once, and carries on, when the server has no leases', async () => {
    const lines: string[] = [];
    // a stand-in for a stock Toxiproxy: every /faultline path is a plain-text 404
    const { createServer } = await import('node:http');
    const stock = createServer((_, res) => res.writeHead(404, { 'content-type': 'text/plain' }).end('404 page not found\n'));
    await new Promise<void>((r) => stock.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(stock.address() as { port: number }).port}`;
    const keeper = keepLeases(url, { progress: (l) => lines.push(l) });
    try {
      await keeper.hold({ proxy: 'db', toxic: 'a' });
      await keeper.hold({ proxy: 'db', toxic: 'b' });
      await keeper.release({ proxy: 'db', toxic: 'a' });
      expect(lines).toEqual([
        `toxic leases: the Toxiproxy at ${url} has none (not faultline's build): a fault outlives a killed harness there until the next run`,
      ]);
    } finally {
      keeper.close();
      stock.close();
    }
  });

  it('refuses a lease on a proxy that does not exist', async () => {
    const keeper = keepLeases(toxiproxy.url);
    try {
      await expect(keeper.hold({ proxy: 'nope', toxic: 'x' })).rejects.toThrow('Toxiproxy PUT /faultline/leases/nope/toxics/x answered 404: proxy not found');
    } finally {
      keeper.close();
    }
  });
});
