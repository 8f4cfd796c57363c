// The dead man's switch on the docker runtime, through the CLI as a user runs it (issue 16): the
// harness SIGKILLed at random moments (boot, load, fault in force, teardown) leaves, within 5 s
// and with NO next run, no container, no network, no toxic (its Toxiproxy is a container of the
// run) and no host process (k6, the watchdog) of that run. The watchdog is the reaper, in Ryuk's
// manner. `npm run bench -- deadman --runtime docker` does the 20-kill version.
// Skips, saying why, where no engine answers or the images are not built.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanUpAfter, deadmanFigures, deadmanPlan, type KillResult, killOnce } from '../helpers/deadman.ts';
import { docker, skipReason } from './engine.ts';

const SCENARIO = join(import.meta.dirname, '..', 'safety', 'fixtures', 'kill-short.ts');
const SEED = 16;
const scratch = mkdtempSync(join(tmpdir(), 'faultline-docker-deadman-'));
afterAll(async () => {
  if (docker.ok) await cleanUpAfter(scratch); // a failed assertion must not leave a run behind
  rmSync(scratch, { recursive: true, force: true });
}, 60_000);

describe.skipIf(!docker.ok)(`the docker runtime's harness killed with SIGKILL, with no run after it ${skipReason}`, () => {
  it('leaves no container, network, toxic or process of its run 5 s later, wherever it died', { timeout: 180_000 }, async () => {
    const results: KillResult[] = [];
    for (const kill of deadmanPlan(SEED, 4, 'docker')) {
      const result = await killOnce(kill, { runtime: 'docker', scenario: SCENARIO, scratch, limitMs: 5_000 });
      results.push(result);
      expect(result.leftAtLimit, `kill ${kill.i} in ${kill.stage} (+${kill.delayMs} ms, after "${result.lastLine}")`).toEqual({
        processes: [],
        containers: [],
        networks: [],
        toxics: [],
        ledgers: [],
        tempDirs: [],
      });
    }
    const figures = deadmanFigures('docker', results);
    console.log(
      `deadman docker (seed ${SEED}): ${JSON.stringify(figures)}\n${results.map((r) => `  kill ${r.kill.i} ${r.kill.stage} +${r.kill.delayMs} ms: in ${r.landedIn} ("${r.lastLine.slice(0, 60)}"), ${r.toxicsAtKill.length} toxics, clean after ${r.teardownMs} ms`).join('\n')}`,
    );
    // the moments were real: the kills landed in every stage, one of them with the fault in force
    expect(Object.keys(figures.landedIn).sort()).toEqual(['boot', 'fault', 'load', 'teardown']);
    expect(figures.faultInForceAtKill).toBeGreaterThan(0);
    expect(figures.slowestTeardownMs).toBeLessThan(5_000);
  });
});
