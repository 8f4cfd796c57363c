// What the gateway costs and carries, on the local runtime on this machine:
//   1. added latency per hop: GET /products/:id at a gentle open-model rate, sent to a catalog
//      replica directly, through its Toxiproxy edge, and through the gateway (edge patterns, a
//      Redis rate-limit round trip, balancing, the edge proxy); the differences of the medians
//      are what each hop adds.
//   2. max sustained req/s: GET /products/:id through the gateway at rising constant arrival
//      rates; sustained = every request sent (< 1% dropped), < 1% errors, < 1% answered from a
//      fallback, p99 <= 500 ms. Spread
//      over many tenants so the per-tenant rate limit is not what stops it.
// k6 generates the load (it shares the machine's cores with the stack, as it does in a run).
//   npm run bench -- gateway [--step-seconds N] [--max-rate N]

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadSystemFile } from '../harness/discovery.ts';
import { PROJECT_ROOT as ROOT_FOR_SHOP } from '../harness/paths.ts';
import { localRuntime } from '../harness/runtime/local.ts';
import type { StartedStack } from '../harness/runtime/types.ts';
import { toolPath } from '../harness/tools.ts';

const shop = await loadSystemFile(`${ROOT_FOR_SHOP}/sample-system/system.ts`, ROOT_FOR_SHOP);

const say = (line: string): void => void process.stdout.write(`${line}\n`);

export interface StepResult {
  ratePerSecond: number;
  sent: number;
  dropped: number;
  failedShare: number;
  /** answered from a fallback (x-degraded): not what capacity should be measured on */
  degradedShare: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
}

/** A load step holds when the system took the whole offered rate, answered, and in time. */
export function sustained(step: StepResult, maxP99Ms = 500): boolean {
  const offered = step.sent + step.dropped;
  return offered > 0 && step.dropped / offered < 0.01 && step.failedShare < 0.01 && step.degradedShare < 0.01 && step.p99Ms <= maxP99Ms;
}

function script(): string {
  return `import http from 'k6/http';
import { Counter } from 'k6/metrics';
const degraded = new Counter('degraded');
export const options = {
  discardResponseBodies: true,
  summaryTrendStats: ['p(50)', 'p(90)', 'p(99)'],
  scenarios: { main: { executor: 'constant-arrival-rate', rate: Number(__ENV.RATE), timeUnit: '1s', duration: __ENV.DURATION, preAllocatedVUs: Math.max(10, Math.ceil(Number(__ENV.RATE) / 10)), maxVUs: Math.max(50, Number(__ENV.RATE)), gracefulStop: '2s' } },
};
export default function () {
  const id = 1 + Math.floor(Math.random() * 100);
  const res = http.get(__ENV.BASE + '/products/' + id, { headers: { 'x-tenant': 'bench-' + (__ITER % 64), 'x-priority': 'normal' }, timeout: '2s' });
  degraded.add(res.headers['X-Degraded'] ? 1 : 0);
}
export function handleSummary(data) {
  return { [__ENV.OUT]: JSON.stringify(data.metrics) };
}
`;
}

interface K6Metrics {
  http_reqs?: { values: { count: number } };
  http_req_failed?: { values: { rate: number } };
  http_req_duration?: { values: Record<string, number> };
  dropped_iterations?: { values: { count: number } };
  degraded?: { values: { count: number } };
}

async function step(dir: string, base: string, ratePerSecond: number, seconds: number): Promise<StepResult> {
  const file = join(dir, 'bench.js');
  writeFileSync(file, script());
  const out = join(dir, `summary-${ratePerSecond}.json`);
  await new Promise<void>((resolve, reject) => {
    const child = spawn(toolPath('k6'), ['run', '--quiet', '--no-usage-report', file], {
      env: { ...process.env, BASE: base, RATE: String(ratePerSecond), DURATION: `${seconds}s`, OUT: out, K6_NO_USAGE_REPORT: 'true' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`k6 exited ${code}: ${stderr}`))));
  });
  const m = JSON.parse(readFileSync(out, 'utf8')) as K6Metrics;
  return {
    ratePerSecond,
    sent: m.http_reqs?.values.count ?? 0,
    dropped: m.dropped_iterations?.values.count ?? 0,
    failedShare: m.http_req_failed?.values.rate ?? 1,
    degradedShare: (m.degraded?.values.count ?? 0) / Math.max(1, m.http_reqs?.values.count ?? 0),
    p50Ms: m.http_req_duration?.values['p(50)'] ?? NaN,
    p90Ms: m.http_req_duration?.values['p(90)'] ?? NaN,
    p99Ms: m.http_req_duration?.values['p(99)'] ?? NaN,
  };
}

const fmt = (s: StepResult): string =>
  `${String(s.ratePerSecond).padStart(5)} req/s offered: ${String(s.sent).padStart(6)} sent, ${String(s.dropped).padStart(5)} dropped, ${(s.failedShare * 100).toFixed(2).padStart(6)}% failed, ${(s.degradedShare * 100).toFixed(2).padStart(6)}% degraded, p50 ${s.p50Ms.toFixed(2).padStart(7)} ms, p99 ${s.p99Ms.toFixed(2).padStart(8)} ms`;

async function hopLatencies(stack: StartedStack, dir: string): Promise<void> {
  const catalog = stack.services['catalog-1'];
  const edge = stack.edges['gateway->catalog-1'];
  if (catalog === undefined || edge === undefined) throw new Error('the stack has no catalog-1 or no gateway->catalog-1 edge');
  const targets: [string, string][] = [
    ['catalog-1 directly', catalog.url],
    ['catalog-1 via its Toxiproxy edge', `http://${edge.listen}`],
    ['the gateway (edge patterns, Redis rate limit, balancing, edge proxy)', stack.entryUrl],
  ];
  await step(dir, stack.entryUrl, 100, 5); // warm-up: JIT, pools, caches, connections
  const results: StepResult[] = [];
  for (const [, url] of targets) results.push(await step(dir, url, 100, 10));
  say('added latency per hop (GET /products/:id, 100 req/s for 10 s each, after a 5 s warm-up):');
  targets.forEach(([what], i) => {
    const r = results[i] as StepResult;
    say(`  ${what.padEnd(72)} p50 ${r.p50Ms.toFixed(2).padStart(6)} ms  p90 ${r.p90Ms.toFixed(2).padStart(6)} ms  p99 ${r.p99Ms.toFixed(2).padStart(7)} ms`);
  });
  const [direct, proxied, gateway] = results as [StepResult, StepResult, StepResult];
  say(
    `  => the Toxiproxy edge adds ${(proxied.p50Ms - direct.p50Ms).toFixed(2)} ms at p50; the gateway hop adds ${(gateway.p50Ms - proxied.p50Ms).toFixed(2)} ms at p50, ${(gateway.p90Ms - proxied.p90Ms).toFixed(2)} ms at p90 on top of its edge`,
  );
}

async function maxSustained(stack: StartedStack, dir: string, seconds: number, maxRate: number): Promise<void> {
  say(`max sustained rate through the gateway (GET /products/:id, ${seconds} s per step; holds = < 1% dropped, failed or degraded, p99 <= 500 ms):`);
  let best: StepResult | undefined;
  for (const rate of [100, 200, 300, 400, 500, 600, 800, 1000, 1200, 1500, 1800, 2200, 2600, 3000].filter((r) => r <= maxRate)) {
    const result = await step(dir, stack.entryUrl, rate, seconds);
    const holds = sustained(result);
    say(`  ${fmt(result)}  ${holds ? 'holds' : 'does not hold'}`);
    if (!holds) break;
    best = result;
    await new Promise((r) => setTimeout(r, 2000)); // let queues drain between steps
  }
  say(
    best === undefined
      ? '  => not even the first step held'
      : `  => max sustained: ${best.ratePerSecond} req/s (p99 ${best.p99Ms.toFixed(1)} ms) on this ${navigatorCores()}-core machine`,
  );
}

function navigatorCores(): number {
  return (globalThis.navigator as { hardwareConcurrency?: number } | undefined)?.hardwareConcurrency ?? 0;
}

export async function benchGateway(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { 'step-seconds': { type: 'string', default: '8' }, 'max-rate': { type: 'string', default: '3000' } },
    allowPositionals: true,
    strict: false,
  });
  const seconds = Number(values['step-seconds']);
  const maxRate = Number(values['max-rate']);
  const scratch = mkdtempSync(join(tmpdir(), 'faultline-bench-gateway-'));
  say(
    `gateway benchmark: booting the local stack (load average before: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(', ')} — other work on the machine shows in the figures)`,
  );
  const stack = await localRuntime().start({
    system: shop,
    runDir: join(scratch, 'run'),
    runId: `bench-gateway-${process.pid}`,
    disabled: [],
    seed: 1,
    progress: () => undefined,
  });
  try {
    await hopLatencies(stack, scratch);
    await maxSustained(stack, scratch, seconds, maxRate);
  } finally {
    await stack.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
}
