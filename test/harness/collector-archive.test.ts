import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { ARCHIVE_BATCH_BYTES, startCollector } from '../../harness/load/collector.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("the collector's archive", () => {
  it('holds every byte a runner sent, in order, written in bounded batches and at the close', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'faultline-archive-'));
    dirs.push(dir);
    let requests = 0;
    const collector = await startCollector({
      socketPath: join(dir, 'k6.sock'),
      runners: 1,
      stallMs: 10_000,
      archiveDir: dir,
      onEvent: (e) => void (e.type === 'request' && requests++),
      onFailure: (why) => {
        throw new Error(why);
      },
    });
    const line = (i: number): string => `R\t${1_700_000_000_000 + i}\t12.5\t200\tok\tGET /products/:id\tacme\t\tload\t0\t\n`;
    // more than two batches and a remainder, sent in ~1 kB pieces as k6's 100 ms flushes are
    const n = Math.ceil((ARCHIVE_BATCH_BYTES * 2.5) / line(0).length);
    let sent = `H\t1\t${collector.token}\t0\t0:1\nS\t1700000000000\n`;
    for (let i = 0; i < n; i++) sent += line(i);
    sent += `E\t${n}\n`;
    const socket = connect(collector.address.replace(/^unix:/, ''));
    await new Promise((r) => socket.once('connect', r));
    for (let at = 0; at < sent.length; at += 1000) {
      socket.write(sent.slice(at, at + 1000));
      await new Promise((r) => setImmediate(r));
    }
    socket.end();
    await collector.allEnded;
    await collector.close();
    expect(requests).toBe(n);
    expect(gunzipSync(readFileSync(join(dir, 'k6-stream-0.tsv.gz'))).toString()).toBe(sent);
  });
});
