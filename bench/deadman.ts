// The dead man's switch, 20 SIGKILLs per runtime (issue 16): the harness killed at seeded random
// moments of a short run (boot, load, fault in force, teardown), and with no run after it, how
// long until no process, container, network, toxic, ledger or temp dir of that run is left.
// Goal: nothing left 5 s after any kill (local processes within 2 s).
//   npm run bench -- deadman [--kills 20] [--runtime local|docker] [--seed 16]

import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { PROJECT_ROOT } from '../harness/paths.ts';
import { dockerAvailability } from '../harness/runtime/index.ts';
import { cleanUpAfter, deadmanFigures, deadmanPlan, type KillResult, killOnce } from '../test/helpers/deadman.ts';

const say = (line: string): void => void process.stdout.write(`${line}\n`);
const SCENARIO = join(PROJECT_ROOT, 'test', 'safety', 'fixtures', 'kill-short.ts');
const LIMIT_MS = 5_000;

export async function benchDeadman(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { kills: { type: 'string', default: '20' }, runtime: { type: 'string' }, seed: { type: 'string', default: '16' } },
    allowPositionals: true,
  });
  const kills = Number(values.kills);
  const seed = Number(values.seed);
  if (!Number.isInteger(kills) || kills < 1) throw new Error(`--kills ${values.kills} must be a whole number >= 1`);
  if (!Number.isInteger(seed)) throw new Error(`--seed ${values.seed} must be a whole number`);
  say(`deadman: ${kills} SIGKILLs of the harness per runtime at seeded moments (seed ${seed}), no run after; nothing may be left ${LIMIT_MS / 1000} s later`);
  for (const runtime of ['local', 'docker'] as const) {
    if (values.runtime !== undefined && values.runtime !== runtime) continue;
    if (runtime === 'docker') {
      const docker = await dockerAvailability();
      if (!docker.ok) {
        say(`  docker  not measured: ${docker.why}`);
        continue;
      }
    }
    const scratch = mkdtempSync(join(tmpdir(), `faultline-bench-deadman-${runtime}-`));
    chmodSync(scratch, 0o755); // Postgres runs as its own user and must reach the runs' temp dirs
    const results: KillResult[] = [];
    try {
      for (const kill of deadmanPlan(seed, kills, runtime)) {
        const r = await killOnce(kill, { runtime, scenario: SCENARIO, scratch, limitMs: LIMIT_MS });
        results.push(r);
        const left = Object.entries(r.leftAtLimit)
          .filter(([, xs]) => xs.length > 0)
          .map(([k, xs]) => `${xs.length} ${k}: ${xs.join('; ')}`);
        say(
          `  ${runtime.padEnd(6)} kill ${String(kill.i + 1).padStart(2)}  ${kill.stage.padEnd(8)} +${String(kill.delayMs).padStart(4)} ms  died in ${r.landedIn.padEnd(13)} ${String(r.toxicsAtKill.length)} toxics in force  ${r.teardownMs === null ? `NOT clean at ${LIMIT_MS} ms: ${left.join(' | ')}` : `clean after ${r.teardownMs} ms`}`,
        );
      }
    } finally {
      await cleanUpAfter(scratch);
      rmSync(scratch, { recursive: true, force: true });
    }
    const f = deadmanFigures(runtime, results);
    const leftovers = Object.entries(f.leftovers)
      .map(([k, n]) => `${n} ${k}`)
      .join(', ');
    say(
      `  ${runtime}: ${f.kills} kills (died in ${Object.entries(f.landedIn)
        .map(([s, n]) => `${s} ${n}`)
        .join(
          ', ',
        )}; ${f.faultInForceAtKill} with a toxic in force); ${f.kills - f.notCleanAtLimit} of ${f.kills} clean within ${LIMIT_MS / 1000} s; left at ${LIMIT_MS / 1000} s: ${leftovers}`,
    );
    say(`  ${runtime}: teardown after the SIGKILL: median ${f.medianTeardownMs} ms, slowest ${f.slowestTeardownMs} ms`);
    if (f.notCleanAtLimit > 0) process.exitCode = 1;
  }
}
