// The scraper against real HTTP servers on 127.0.0.1:0, with an injected clock for the stamps.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startScraper } from '../../harness/observe/scraper.ts';
import type { StartedStack } from '../../harness/runtime/types.ts';

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

/** One metrics-serving instance: counts the scrapes it answered; `text()` is what it serves. */
async function instance(text: () => string): Promise<{ url: string; scrapes: () => number }> {
  let scrapes = 0;
  const server = createServer((_req, res) => {
    scrapes++;
    res.end(text());
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, scrapes: () => scrapes };
}

function stackOf(urls: Record<string, string>): StartedStack {
  const names = Object.keys(urls);
  return {
    system: {
      instances: names.map((name) => ({ name, part: name, replica: 1 })),
      metrics: { path: '/metrics', series: {}, keep: ['calls_total'], parts: names, show: [], phaseCounters: [] },
    },
    services: Object.fromEntries(names.map((n) => [n, { url: urls[n] }])),
  } as unknown as StartedStack;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('startScraper', () => {
  it('asks the instances a per-second check reads every tick and the others every slow tick', async () => {
    const fast = await instance(() => 'calls_total 1\n');
    const slow = await instance(() => 'calls_total 2\n');
    const scraper = startScraper(stackOf({ fast: fast.url, slow: slow.url }), Date.now(), {
      everySecond: (name) => name === 'fast',
      fastMs: 40,
      slowMs: 400,
    });
    await sleep(900);
    await scraper.stop();
    // at start, ~22 ticks, and at the stop; the slow one at start, at ~2 slow ticks and at the stop
    expect(fast.scrapes()).toBeGreaterThanOrEqual(12);
    expect(slow.scrapes()).toBeGreaterThanOrEqual(3);
    expect(slow.scrapes()).toBeLessThanOrEqual(5);
  });

  it('asks the per-second instances only while fastNow() says their phase runs', async () => {
    const fast = await instance(() => 'calls_total 1\n');
    let inPhase = false;
    const scraper = startScraper(stackOf({ fast: fast.url }), Date.now(), { everySecond: () => true, fastNow: () => inPhase, fastMs: 40, slowMs: 60_000 });
    await sleep(300); // outside the phase: only the first scrape (no slow tick comes within the test)
    const outside = fast.scrapes();
    inPhase = true;
    await sleep(300);
    const inside = fast.scrapes() - outside;
    await scraper.stop();
    expect(outside).toBe(1);
    expect(inside).toBeGreaterThanOrEqual(2);
  });

  it('asks an instance every tick from when its values show it counts for a check', async () => {
    let served = 'other_total 1\n';
    const late = await instance(() => served);
    const scraper = startScraper(stackOf({ late: late.url }), Date.now(), {
      everySecond: (_name, values) => 'calls_total{dependency="postgres"}' in values,
      fastMs: 40,
      slowMs: 400,
    });
    await sleep(300);
    const before = late.scrapes();
    served = 'calls_total{dependency="postgres"} 4\n';
    await sleep(800); // the next slow tick sees it; every tick after that asks again
    await scraper.stop();
    expect(before).toBe(1);
    expect(late.scrapes() - before).toBeGreaterThanOrEqual(6);
  });

  it("counts a mark as an instance's slow scrape: the next comes a slow period after it", async () => {
    const a = await instance(() => 'calls_total 1\n');
    const t0 = Date.now();
    const scraper = startScraper(stackOf({ a: a.url }), t0, { everySecond: () => false, fastMs: 50, slowMs: 500 });
    await sleep(300);
    scraper.mark(); // at ~300 ms: the slow scrape due at ~500 ms is not needed, the next is due at ~800
    await sleep(250); // to ~550 ms: past the ~500 ms a fixed 500 ms grid would have scraped at
    const byThen = a.scrapes();
    await sleep(500); // to ~1050 ms
    const { snapshots } = await scraper.stop();
    expect(byThen).toBe(2); // the start and the mark
    expect(a.scrapes()).toBe(4); // one more at ~800 ms, and the stop's
    const gaps = snapshots
      .map((s) => s.tMs)
      .sort((x, y) => x - y)
      .slice(1, 3);
    expect((gaps[1] as number) - (gaps[0] as number)).toBeGreaterThanOrEqual(450); // mark -> next slow scrape
  });

  it('scrapes every instance at a mark, stamped when the scrape was sent', async () => {
    let value = 1;
    const a = await instance(() => `calls_total ${value}\n`);
    const b = await instance(() => `calls_total ${value * 10}\n`);
    let clock = 1_000;
    const scraper = startScraper(stackOf({ a: a.url, b: b.url }), 1_000, { everySecond: () => false, fastMs: 10_000, slowMs: 10_000, now: () => clock });
    await sleep(100);
    clock = 8_000;
    value = 2;
    scraper.mark();
    clock = 9_000; // the answers come back later: the stamp is the sending time
    await sleep(100);
    const { snapshots } = await scraper.stop();
    const at = (service: string, tMs: number) => snapshots.find((s) => s.service === service && s.tMs === tMs)?.values;
    expect(at('a', 0)).toEqual({ calls_total: 1 });
    expect(at('a', 7_000)).toEqual({ calls_total: 2 });
    expect(at('b', 7_000)).toEqual({ calls_total: 20 });
    expect(snapshots.filter((s) => s.tMs === 8_000)).toHaveLength(2); // the last scrape, at stop
  });

  it('skips an instance that does not answer, and scrapes once more at stop only once', async () => {
    const up = await instance(() => 'calls_total 5\n');
    const scraper = startScraper(stackOf({ up: up.url, down: 'http://127.0.0.1:1' }), Date.now(), { fastMs: 10_000 });
    await sleep(100);
    const first = await scraper.stop();
    const again = await scraper.stop();
    expect(first.snapshots.map((s) => s.service)).toEqual(['up', 'up']);
    expect(again.snapshots).toHaveLength(2);
    expect(up.scrapes()).toBe(2);
    // the last scrape is the end-of-run metrics: each instance's values, scrape_failed where none came
    expect(first.last).toEqual({ up: { calls_total: 5 }, down: { scrape_failed: 1 } });
    expect(again.last).toEqual(first.last);
  });
});
