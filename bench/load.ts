// The load path's own cost (issue 14), on this machine:
//   1. live: harness CPU (utime + stime from /proc) per 1,000 requests while a scenario's load
//      runs, through the CLI as a user runs it: during the load ("load started" to "load done"),
//      per second and per 1,000 requests, and after it (verdict and reports, to "teardown");
//      --rate runs the scenario at another rate (a copy in a scratch folder); --part attribute
//      runs it with each of the harness's per-second components switched off in turn, through
//      the bench-only FAULTLINE_BENCH_OFF (harness/bench-off.ts; --off sets it for one live run),
//      and at 1 req/s, and prints what each costs per second of load
//   2. replay: a recorded stream grown to 1 M requests, written as fast as it can be read into
//      the collector over a real unix socket (a separate writer process) and into a Recording;
//      the rate, the harness's RSS as it goes (peak and at 25/50/75/100 %), and what it retains
//      after a full collection (the Recording's columns against the JS heap)
//   3. max rate: k6 through faultline's output against a trivial HTTP target behind Toxiproxy,
//      at rising constant arrival rates; sustained = < 1 % dropped and < 1 % errors; the harness's
//      and k6's CPU share at each step (k6, not the harness, must be what stops it)
// Goals: harness <= 0.1 s CPU per 1,000 requests; 1 M requests ingested in < 5 s with flat memory;
// >= 3,000 req/s sustained with the harness under 20 % of a core.
//   npm run bench -- load [--part live|attribute|replay|rate] [--scenario postgres-latency] [--runtime local]
//                         [--rate <req/s>] [--off scrape,judge,leases] [--node-flags '<node options for the harness>']
//                         [--checkout <dir>] [--requests 1000000] [--rates 1000,2000,3000,4000] [--step-seconds 10]

import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { BENCH_COMPONENTS } from '../harness/bench-off.ts';
import { startK6 } from '../harness/load/k6.ts';
import { Recording } from '../harness/load/recording.ts';
import { HARNESS_NODE_FLAGS } from '../harness/node-flags.ts';
import { PROJECT_ROOT } from '../harness/paths.ts';
import { toolPath } from '../harness/tools.ts';

const say = (line: string): void => void process.stdout.write(`${line}\n`);
const CLK_TCK = 100; // Linux's USER_HZ
const GOALS = { cpuPer1000: 0.1, replayMs: 5000, rate: 3000, harnessShare: 0.2 };

/** A /proc stat file's command name and CPU times (utime, stime), seconds: in 10 ms ticks. */
function statTimes(path: string): { comm: string; user: number; sys: number } {
  const stat = readFileSync(path, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { comm: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')), user: Number(fields[11]) / CLK_TCK, sys: Number(fields[12]) / CLK_TCK };
}

/** A thread's time on a CPU from its schedstat, seconds, to the ns; undefined where the kernel keeps none. */
function schedSeconds(path: string): number | undefined {
  try {
    const ns = Number(readFileSync(path, 'utf8').split(' ')[0]);
    return Number.isFinite(ns) ? ns / 1e9 : undefined;
  } catch {
    return undefined;
  }
}

const kindOf = (pid: number, tid: string, comm: string): string =>
  tid === String(pid) ? 'main' : /^V8|DefaultWorke/.test(comm) ? 'V8 workers' : /libuv|worker/.test(comm) ? 'libuv pool' : 'other';

/**
 * CPU time of each thread of a process, seconds, summed by the thread's kind (its comm name): from
 * schedstat (ns) where the kernel keeps it, else utime + stime (10 ms ticks). A run of ~1,000
 * requests is ~0.1 s of harness CPU, so a tick is 0.01 s per 1,000 requests: too coarse to tell
 * two runs apart. A thread that ended between two readings is missing from the later one; a
 * harness's threads (main, V8's workers, libuv's pool) live as long as it does.
 */
export function threadCpuSeconds(pid: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const { comm, user, sys } = statTimes(`/proc/${pid}/task/${tid}/stat`);
      const kind = kindOf(pid, tid, comm);
      out[kind] = (out[kind] ?? 0) + (schedSeconds(`/proc/${pid}/task/${tid}/schedstat`) ?? user + sys);
    } catch {
      // the thread ended meanwhile
    }
  }
  return out;
}

/**
 * utime + stime of a process, seconds (10 ms ticks; every thread it ever had, k6's too), and of
 * that its stime: the kernel's share (syscalls, and loopback TCP delivered in the sender's time)
 */
export function processCpu(pid: number): { cpu: number; sys: number } {
  const { user, sys } = statTimes(`/proc/${pid}/stat`);
  return { cpu: user + sys, sys };
}

/** utime + stime of a process, seconds */
export const processCpuSeconds = (pid: number): number => processCpu(pid).cpu;

function newest(dir: string, name: string): string | undefined {
  let best: { path: string; mtime: number } | undefined;
  const walk = (d: string, depth: number): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory() && !e.isSymbolicLink() && depth < 3) walk(p, depth + 1);
      else if (e.name === name) {
        const mtime = statSync(p).mtimeMs;
        if (best === undefined || mtime > best.mtime) best = { path: p, mtime };
      }
    }
  };
  if (existsSync(dir)) walk(dir, 0);
  return best?.path;
}

// ------------------------------------------------------------------------------------- live
/** One live run's harness CPU, split at the load's end (the verdict and the reports come after). */
export interface LiveFigures {
  requests: number;
  rate: number;
  loadS: number;
  loadCpuS: number;
  /** of loadCpuS, the kernel's (stime) */
  loadSysS: number;
  afterCpuS: number;
  /** loadCpuS by thread: the main thread, V8's workers (GC, compilers), libuv's pool (gzip) */
  loadCpuByThreadS: Record<string, number>;
  verdict: string;
}

/**
 * A config and a scenario that is `scenario` at another rate, in a scratch folder, for --rate: the
 * scenario files are not the bench's to edit, and a copy at 150 req/s is not worth a file.
 */
function atRate(checkout: string, scenario: string, rate: number, scratch: string): { config: string; name: string } {
  const name = `${scenario}-at-${rate}`;
  const source = join(checkout, 'scenarios', `${scenario}.ts`);
  if (!existsSync(source)) throw new Error(`--rate needs scenarios/${scenario}.ts in ${checkout}`);
  writeFileSync(
    join(scratch, `${name}.ts`),
    `import base from ${JSON.stringify(pathToFileURL(source).href)};\nexport default { ...base, name: ${JSON.stringify(name)}, load: { ...base.load, rate: ${rate} } };\n`,
  );
  const config = join(scratch, 'faultline.config.ts');
  writeFileSync(config, `export default { systems: ${JSON.stringify([join(checkout, 'sample-system', 'system.ts')])}, scenarios: ['*.ts'] };\n`);
  return { config, name };
}

/** One live run: which checkout, scenario and runtime, how many runners, at what rate, with what off and which node options. */
interface LiveOptions {
  checkout: string;
  scenario: string;
  runtime: string;
  runners: number;
  rate?: number;
  off: string;
  nodeFlags: readonly string[];
}

async function liveRun({ checkout, scenario, runtime, runners, rate, off, nodeFlags }: LiveOptions): Promise<LiveFigures> {
  const reports = mkdtempSync(join(tmpdir(), 'faultline-bench-load-'));
  const scratch = mkdtempSync(join(tmpdir(), 'faultline-bench-scenario-'));
  const node = join(checkout, 'node_modules', '.bin', 'node');
  const variant = rate === undefined ? undefined : atRate(checkout, scenario, rate, scratch);
  const child = spawn(
    existsSync(node) ? node : process.execPath,
    [
      ...HARNESS_NODE_FLAGS, // as `npm run chaos` starts it; --node-flags after them, so they can override them
      ...nodeFlags,
      'harness/cli.ts',
      variant?.name ?? scenario,
      ...(variant === undefined ? [] : ['--config', variant.config]),
      '--runtime',
      runtime,
      '--seed',
      '42',
      '--report-dir',
      reports,
      ...(runners > 1 ? ['--runners', String(runners)] : []),
    ],
    {
      cwd: checkout,
      // bench-only (harness/bench-off.ts): components switched off to attribute the fixed cost
      env: { ...process.env, NO_COLOR: '1', FAULTLINE_BENCH_OFF: off },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  const pid = child.pid as number;
  const marks: Partial<Record<'start' | 'loadDone' | 'teardown', { cpu: number; sys: number; t: number; threads: Record<string, number> }>> = {};
  const mark = (at: 'start' | 'loadDone' | 'teardown'): void => {
    if (marks[at] !== undefined) return;
    const threads = threadCpuSeconds(pid);
    marks[at] = { cpu: Object.values(threads).reduce((a, b) => a + b, 0), sys: statTimes(`/proc/${pid}/stat`).sys, t: performance.now(), threads };
  };
  let err = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    const text = chunk.toString();
    err += text;
    if (/load started/.test(text)) mark('start');
    if (marks.start !== undefined && /load done:/.test(text)) mark('loadDone');
    if (marks.start !== undefined && /teardown:/.test(text)) mark('teardown');
  });
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  try {
    const { start, loadDone, teardown } = marks;
    if (start === undefined || loadDone === undefined || teardown === undefined)
      throw new Error(`the run did not get through its load (exit ${code}): ${err.slice(-600)}`);
    const result = JSON.parse(readFileSync(join(reports, 'latest', 'result.json'), 'utf8')) as {
      verdict: string;
      load: { requestsSent: number; offeredRatePerSecond: number; runners?: { requests: number }[] };
    };
    return {
      requests: result.load.runners?.reduce((t, r) => t + r.requests, 0) ?? result.load.requestsSent,
      rate: result.load.offeredRatePerSecond,
      loadS: (loadDone.t - start.t) / 1000,
      loadCpuS: loadDone.cpu - start.cpu,
      loadSysS: loadDone.sys - start.sys,
      afterCpuS: teardown.cpu - loadDone.cpu,
      loadCpuByThreadS: Object.fromEntries(Object.entries(loadDone.threads).map(([k, v]) => [k, v - (start.threads[k] ?? 0)])),
      verdict: result.verdict,
    };
  } finally {
    rmSync(reports, { recursive: true, force: true });
    rmSync(scratch, { recursive: true, force: true });
  }
}

const byThread = (f: LiveFigures): string =>
  Object.entries(f.loadCpuByThreadS)
    .filter(([, v]) => v > 0)
    .map(([k, v]) => `${k} ${((v / f.loadS) * 1000).toFixed(1)}`)
    .join(', ');

const describeLive = (f: LiveFigures): string => {
  const during = (f.loadCpuS / f.requests) * 1000;
  const together = ((f.loadCpuS + f.afterCpuS) / f.requests) * 1000;
  const goal = (x: number): string => (x <= GOALS.cpuPer1000 ? 'met' : 'NOT met');
  return (
    `${f.requests} requests at ${f.rate} req/s in ${f.loadS.toFixed(1)} s: harness CPU during the load ${f.loadCpuS.toFixed(3)} s = ` +
    `${((f.loadCpuS / f.loadS) * 1000).toFixed(1)} ms per second (${byThread(f)}; kernel ${((f.loadSysS / f.loadS) * 1000).toFixed(1)}), ` +
    `${during.toFixed(3)} s per 1,000 (goal <= ${GOALS.cpuPer1000}: ${goal(during)}); after it (verdict, reports: once a run, ` +
    `whatever its rate) ${f.afterCpuS.toFixed(3)} s; together ${together.toFixed(3)} s per 1,000 (${goal(together)}); verdict ${f.verdict}`
  );
};

async function live(o: LiveOptions): Promise<void> {
  const { checkout, scenario, runtime, runners, off, nodeFlags } = o;
  const unknown = off.split(',').filter((c) => c !== '' && !(BENCH_COMPONENTS as readonly string[]).includes(c));
  if (unknown.length > 0) throw new Error(`--off ${unknown.join(',')}: components are ${BENCH_COMPONENTS.join(', ')}`);
  const f = await liveRun(o);
  say(
    `  live ${scenario} (${runtime}${runners > 1 ? `, ${runners} runners` : ''}${off ? `, off: ${off}` : ''}${nodeFlags.length > 0 ? `, node ${nodeFlags.join(' ')}` : ''}, ${checkout === PROJECT_ROOT ? 'this checkout' : checkout}): ${describeLive(f)}`,
  );
}

/**
 * Where the fixed cost goes: the same run with everything on, with each component off, with all of
 * them off, and at 1 req/s (what is left when there is almost no load: the fixed cost itself).
 */
async function attribute(checkout: string, scenario: string, runtime: string): Promise<void> {
  const runs: { label: string; rate?: number; off: string }[] = [
    { label: 'everything on', off: '' },
    ...BENCH_COMPONENTS.map((c) => ({ label: `${c} off`, off: c })),
    { label: 'all three off', off: BENCH_COMPONENTS.join(',') },
    { label: 'everything on, 1 req/s', rate: 1, off: '' },
  ];
  say(`  attribution of the harness's CPU during the load, ${scenario} (${runtime}):`);
  let all: number | undefined;
  for (const r of runs) {
    const f = await liveRun({ checkout, scenario, runtime, runners: 1, ...(r.rate === undefined ? {} : { rate: r.rate }), off: r.off, nodeFlags: [] });
    const perS = (f.loadCpuS / f.loadS) * 1000;
    all ??= perS;
    say(
      `    ${r.label.padEnd(24)} ${perS.toFixed(1).padStart(5)} ms/s${r.off && r.rate === undefined ? ` (saves ${(all - perS).toFixed(1)} ms/s)` : ''} (${byThread(f)}); ${f.requests} requests, ${((f.loadCpuS / f.requests) * 1000).toFixed(3)} s per 1,000 during the load, ${f.afterCpuS.toFixed(2)} s after it`,
    );
  }
}

// ----------------------------------------------------------------------------------- replay
async function replay(requests: number, source: string | undefined): Promise<void> {
  const stream = source ?? newest(join(PROJECT_ROOT, 'reports'), 'k6-stream-0.tsv.gz');
  if (stream === undefined) throw new Error('no recorded stream (k6-stream-0.tsv.gz) under reports/: run a scenario first, or pass --stream <file>');
  const child = spawn(
    process.execPath,
    ['--disable-warning=ExperimentalWarning', '--expose-gc', join(PROJECT_ROOT, 'bench', 'load-replay.ts'), stream, String(requests)],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let out = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  if (code !== 0) throw new Error(`the replay exited with ${code}: ${out}`);
  const r = JSON.parse(out) as {
    requests: number;
    ms: number;
    baseRssMb: number;
    peakRssMb: number;
    rssAtMb: number[];
    fileMb: number;
    recorded: number;
    retained: { heapMb: number; rssMb: number; columnsMb: number };
  };
  say(
    `  replay: ${r.recorded.toLocaleString('en')} requests (${r.fileMb.toFixed(0)} MB of stream, grown from ${stream.replace(`${PROJECT_ROOT}/`, '')}) in ${(r.ms / 1000).toFixed(2)} s = ${Math.round(r.requests / (r.ms / 1000)).toLocaleString('en')} req/s; goal < ${GOALS.replayMs / 1000} s: ${r.ms < GOALS.replayMs ? 'met' : 'NOT met'}`,
  );
  say(
    `  replay RSS: ${r.baseRssMb.toFixed(0)} MB before (after a full collection), peak ${r.peakRssMb.toFixed(0)} MB; at 25/50/75/100 %: ${r.rssAtMb.map((m) => m.toFixed(0)).join(' / ')} MB`,
  );
  say(
    `  replay retained after a full collection: ${signed(r.retained.rssMb)} MB RSS, of which the Recording's columns (~23 bytes a request, kept by design, doubling as they grow) ${r.retained.columnsMb.toFixed(1)} MB and the JS heap ${signed(r.retained.heapMb)} MB`,
  );
}

const signed = (mb: number): string => `${mb >= 0 ? '+' : '−'}${Math.abs(mb).toFixed(1)}`;

// -------------------------------------------------------------------------------- max rate
function targetScript(rate: number, seconds: number): string {
  return `import http from 'k6/http';
import { Trend, Counter } from 'k6/metrics';
const req = new Trend('fl_req', true);
const started = new Counter('fl_started');
export const options = {
  discardResponseBodies: true,
  systemTags: ['scenario'],
  scenarios: { main: { executor: 'constant-arrival-rate', rate: ${rate}, timeUnit: '1s', duration: '${seconds}s', preAllocatedVUs: ${Math.max(50, Math.ceil(rate / 10))}, maxVUs: ${Math.max(200, rate)}, gracefulStop: '2s' } },
};
export function setup() { started.add(1); }
export default function () {
  const res = http.get(__ENV.FL_BASE_URL + '/', { tags: { endpoint: 'GET /' }, timeout: '2s' });
  const ok = res.status === 200;
  req.add(res.timings.blocked + res.timings.connecting + res.timings.duration, {
    endpoint: 'GET /', tenant: 't' + (__ITER % 4), outcome: ok ? 'ok' : 'error', status: String(res.status), degraded: '', source: 'load', priority: 'normal', retry: '',
  });
}
`;
}

async function freeListen(server: { listen: (port: number, host: string, cb: () => void) => unknown; address: () => unknown }): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as { port: number }).port;
}

async function maxRate(rates: number[], stepSeconds: number): Promise<void> {
  const scratch = mkdtempSync(join(tmpdir(), 'faultline-bench-rate-'));
  const children: ChildProcess[] = [];
  try {
    // the trivial target: its own process, so its CPU is not the harness's
    const target = spawn(
      process.execPath,
      ['-e', "require('http').createServer((q,s)=>{s.end('ok')}).listen(0,'127.0.0.1',function(){console.log(this.address().port)})"],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    children.push(target);
    const targetPort = await new Promise<number>((r) => target.stdout?.once('data', (c: Buffer) => r(Number(c.toString().trim()))));
    const probe = createServer();
    const apiPort = await freeListen(probe);
    await new Promise((r) => probe.close(r));
    const toxiproxy = spawn(toolPath('toxiproxy-server'), ['-host', '127.0.0.1', '-port', String(apiPort)], { stdio: 'ignore' });
    children.push(toxiproxy);
    const api = `http://127.0.0.1:${apiPort}`;
    for (let i = 0; ; i++) {
      try {
        if ((await fetch(`${api}/version`)).ok) break;
      } catch {
        if (i > 100) throw new Error('toxiproxy-server did not answer');
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    const proxy = (await (
      await fetch(`${api}/proxies`, {
        method: 'POST',
        body: JSON.stringify({ name: 'bench_target', listen: '127.0.0.1:0', upstream: `127.0.0.1:${targetPort}`, enabled: true }),
      })
    ).json()) as { listen: string };
    const baseUrl = `http://${proxy.listen}`;
    say(`  max rate: k6 (faultline output) -> Toxiproxy ${proxy.listen} -> a trivial HTTP target; ${stepSeconds} s per step`);
    let best: number | undefined;
    for (const rate of rates) {
      const runDir = join(scratch, `rate-${rate}`);
      mkdirSync(join(runDir, 'logs'), { recursive: true });
      const recording = new Recording();
      let dropped = 0;
      let zero: number | undefined;
      let cpu0 = process.cpuUsage();
      let t0 = performance.now();
      let k6Cpu0 = 0;
      let k6Cpu = 0;
      const k6 = await startK6({
        script: targetScript(rate, stepSeconds),
        runId: `bench-rate-${rate}`,
        runDir,
        baseUrl,
        onEvent: (e) => {
          if (e.type === 'started') {
            // from the load's start: k6's start-up is neither the harness's nor the load's cost
            zero = e.epochMs;
            cpu0 = process.cpuUsage();
            t0 = performance.now();
            k6Cpu0 = k6Cpu;
          } else if (e.type === 'dropped') dropped += e.count;
          else if (e.type === 'request' && zero !== undefined)
            recording.add({
              tMs: e.endEpochMs - e.latencyMs - zero,
              endpoint: e.endpoint,
              tenant: e.tenant,
              outcome: e.outcome,
              status: e.status,
              latencyMs: e.latencyMs,
            });
        },
      });
      const sampler = setInterval(() => {
        for (const pid of k6.pids)
          try {
            k6Cpu = Math.max(k6Cpu, processCpuSeconds(pid));
          } catch {
            /* exited */
          }
      }, 200);
      await k6.done;
      clearInterval(sampler);
      const wallS = (performance.now() - t0) / 1000;
      const c = process.cpuUsage(cpu0);
      const harnessS = (c.user + c.system) / 1e6;
      const sent = recording.length;
      const errors = recording.counts.error;
      const offered = sent + dropped;
      const ok = offered > 0 && dropped / offered < 0.01 && errors / Math.max(1, sent) < 0.01 && sent >= rate * stepSeconds * 0.99;
      if (ok) best = rate;
      say(
        `    ${String(rate).padStart(5)} req/s: ${sent} sent, ${dropped} dropped, ${errors} errors; harness ${((harnessS / wallS) * 100).toFixed(1)} % of a core (${((harnessS / Math.max(1, sent)) * 1000).toFixed(3)} s per 1,000), k6 ${(((k6Cpu - k6Cpu0) / wallS) * 100).toFixed(0)} % (load average ${loadavg()[0]?.toFixed(1)}) => ${ok ? 'sustained' : 'NOT sustained'}`,
      );
      if (!ok) break;
    }
    say(
      `  => max sustained: ${best ?? 'none'} req/s on this machine; goal >= ${GOALS.rate} with the harness < ${GOALS.harnessShare * 100} % of a core: ${best !== undefined && best >= GOALS.rate ? 'rate met' : 'rate NOT met'}`,
    );
  } finally {
    for (const c of children) c.kill('SIGKILL');
    rmSync(scratch, { recursive: true, force: true });
  }
}

export async function benchLoad(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      part: { type: 'string' },
      scenario: { type: 'string', default: 'postgres-latency' },
      runtime: { type: 'string', default: 'local' },
      runners: { type: 'string', default: '1' },
      rate: { type: 'string' },
      off: { type: 'string', default: '' },
      'node-flags': { type: 'string', default: '' },
      checkout: { type: 'string', default: PROJECT_ROOT },
      requests: { type: 'string', default: '1000000' },
      stream: { type: 'string' },
      rates: { type: 'string', default: '1000,2000,3000,4000,5000' },
      'step-seconds': { type: 'string', default: '10' },
    },
  });
  const part = values.part;
  say('load path benchmark (issue 14): harness CPU live, ingest of a recorded stream, max sustained rate');
  if (part === undefined || part === 'live')
    await live({
      checkout: values.checkout,
      scenario: values.scenario,
      runtime: values.runtime,
      runners: Number(values.runners),
      ...(values.rate === undefined ? {} : { rate: Number(values.rate) }),
      off: values.off,
      nodeFlags: values['node-flags'].split(' ').filter((f) => f !== ''),
    });
  if (part === 'attribute') await attribute(values.checkout, values.scenario, values.runtime);
  if (part === undefined || part === 'replay') await replay(Number(values.requests), values.stream);
  if (part === undefined || part === 'rate') await maxRate(values.rates.split(',').map(Number), Number(values['step-seconds']));
}
