// One replay for bench/load.ts, in its own process so its RSS is the ingest's alone: a recorded
// stream's request lines, repeated (times shifted) up to N requests into a file, then written by a
// separate process into the collector's unix socket as fast as it is read, into a Recording.
//   node bench/load-replay.ts <k6-stream.tsv.gz> <requests>

import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { startCollector } from '../harness/load/collector.ts';
import { Recording } from '../harness/load/recording.ts';

const [source, wanted] = process.argv.slice(2);
const requests = Number(wanted);
const recorded = gunzipSync(readFileSync(source as string))
  .toString('utf8')
  .split('\n')
  .filter((l) => l.startsWith('R\t'))
  .map((l) => l.split('\t'));
if (recorded.length === 0) throw new Error(`${source} holds no request lines`);
const firstMs = Number(recorded[0]?.[1]);
const spanMs = Number(recorded[recorded.length - 1]?.[1]) - firstMs + 1;

const dir = mkdtempSync(join(tmpdir(), 'faultline-replay-'));
const file = join(dir, 'stream.tsv');
const fd = openSync(file, 'w');
let batch: string[] = [];
for (let i = 0; i < requests; i++) {
  const f = recorded[i % recorded.length] as string[];
  const shift = Math.floor(i / recorded.length) * spanMs;
  batch.push(`R\t${(Number(f[1]) + shift).toFixed(3)}\t${f.slice(2).join('\t')}\n`);
  if (batch.length === 10_000) {
    writeSync(fd, batch.join(''));
    batch = [];
  }
}
writeSync(fd, `${batch.join('')}E\t${requests}\n`);
closeSync(fd);

const recording = new Recording();
let done = 0;
// the set-up's garbage (the grown file was built in this process) is collected first, so the
// baseline is what the ingest starts from; spawned with --expose-gc by bench/load.ts
const collect = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
collect();
const baseRssMb = process.memoryUsage.rss() / 1e6;
const baseHeapMb = process.memoryUsage().heapUsed / 1e6;
let peak = baseRssMb;
const rssAt: number[] = [];
const marks = [0.25, 0.5, 0.75].map((q) => Math.floor(q * requests));
const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss() / 1e6)), 20);
let failure: string | undefined;
const collector = await startCollector({
  socketPath: join(dir, 'c.sock'),
  runners: 1,
  stallMs: 60_000,
  onFailure: (why) => (failure = why),
  onEvent: (e) => {
    if (e.type !== 'request') return;
    recording.add({
      tMs: e.endEpochMs - e.latencyMs - firstMs,
      endpoint: e.endpoint,
      tenant: e.tenant,
      outcome: e.outcome,
      status: e.status,
      latencyMs: e.latencyMs,
    });
    if (++done === marks[rssAt.length]) rssAt.push(process.memoryUsage.rss() / 1e6);
  },
});
const t0 = performance.now();
// the writer: its own process, hello with this run's token, then the file as fast as it is read
const writer = spawn(
  process.execPath,
  [
    '-e',
    `const s=require('net').connect(process.argv[1],()=>{s.write('H\\t1\\t'+process.argv[3]+'\\t0\\t0:1\\n');require('fs').createReadStream(process.argv[2]).pipe(s)})`,
    join(dir, 'c.sock'),
    file,
    collector.token,
  ],
  { stdio: 'inherit' },
);
await collector.allEnded;
const ms = performance.now() - t0;
rssAt.push(process.memoryUsage.rss() / 1e6);
clearInterval(sampler);
peak = Math.max(peak, ...rssAt);
writer.kill();
await collector.close();
// what the ingest keeps once its garbage is gone: the Recording's columns (array buffers) and the heap
collect();
const after = process.memoryUsage();
const retained = { heapMb: after.heapUsed / 1e6 - baseHeapMb, rssMb: after.rss / 1e6 - baseRssMb, columnsMb: recording.columnBytes / 1e6 };
const fileMb = statSync(file).size / 1e6;
rmSync(dir, { recursive: true, force: true });
if (failure !== undefined) throw new Error(failure);
process.stdout.write(JSON.stringify({ requests, recorded: recording.length, ms, baseRssMb, peakRssMb: peak, rssAtMb: rssAt, fileMb, retained }));
