// Boot-to-ready time of the whole stack on each runtime (docker and local), the median of a few
// boots after one warm-up, and the image build times the set-up recorded. Goals (issue 6): docker
// <= 10 s with built images, local <= 3 s.
//   npm run bench -- boot [--runs N] [--runtime docker|local]

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadSystemFile } from '../harness/discovery.ts';
import { PROJECT_ROOT as ROOT_FOR_SHOP } from '../harness/paths.ts';
import { readManifest } from '../harness/runtime/images.ts';
import { dockerAvailability } from '../harness/runtime/index.ts';
import { localRuntime } from '../harness/runtime/local.ts';
import type { Runtime } from '../harness/runtime/types.ts';

const shop = await loadSystemFile(`${ROOT_FOR_SHOP}/sample-system/system.ts`, ROOT_FOR_SHOP);

const say = (line: string): void => void process.stdout.write(`${line}\n`);
const GOAL_MS = { docker: 10_000, local: 3_000 } as const;

async function bootTimes(runtime: Runtime, runs: number, scratch: string): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i <= runs; i++) {
    const runId = `bench-${runtime.name}-${process.pid}-${i}`;
    const t0 = performance.now();
    const stack = await runtime.start({ system: shop, runDir: join(scratch, runId), runId, disabled: [], seed: i, progress: () => undefined });
    const ms = performance.now() - t0;
    await stack.stop();
    if (i > 0) times.push(ms); // the first boot warms caches (page cache, image layers)
  }
  return times;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

export async function benchBoot(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { runs: { type: 'string', default: '3' }, runtime: { type: 'string' } }, allowPositionals: true });
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs ${values.runs} must be a whole number >= 1`);
  const scratch = mkdtempSync(join(tmpdir(), 'faultline-bench-'));
  try {
    say(`boot to ready: median of ${runs} boots after one warm-up (start() called until every part answers)`);
    for (const name of ['docker', 'local'] as const) {
      if (values.runtime !== undefined && values.runtime !== name) continue;
      let runtime: Runtime;
      if (name === 'docker') {
        const docker = await dockerAvailability();
        if (!docker.ok) {
          say(`  docker  not measured: ${docker.why}`);
          continue;
        }
        runtime = (await import('../harness/runtime/docker.ts')).dockerRuntime();
      } else runtime = localRuntime();
      const times = await bootTimes(runtime, runs, scratch);
      const m = median(times);
      say(
        `  ${name.padEnd(7)} ${s(m)}  (min ${s(Math.min(...times))}, max ${s(Math.max(...times))}; goal <= ${s(GOAL_MS[name])}: ${m <= GOAL_MS[name] ? 'met' : 'NOT met'})`,
      );
    }
    const builds = readManifest().builds;
    if (Object.keys(builds).length === 0) say('image build: not recorded (the images are built by `npm run setup`)');
    else {
      say('image build (as the set-up last recorded it, images.json in the tool cache):');
      for (const [part, b] of Object.entries(builds)) say(`  ${part.padEnd(9)} ${String(b.seconds).padStart(5)} s  ${b.ref}  (${b.builtAt})`);
      say(
        `  total     ${Object.values(builds)
          .reduce((t, b) => t + b.seconds, 0)
          .toFixed(1)
          .padStart(5)} s`,
      );
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
