// The dead man's switch on the docker runtime, through the CLI as a user runs it (issue 16): the
// harness SIGKILLed at random moments (boot, load, fault in force, teardown) leaves, within 5 s
// and with NO next run, no container, no network, no toxic (its Toxiproxy is a container of the
// run) and no host process (k6, the watchdog) of that run. The watchdog is the reaper, in Ryuk's
// manner. `npm run bench -- deadman --runtime docker` does the 20-kill version.
// Skips, saying why, where no engine answers or the images are not built.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { cleanUpAfter, expectKillsLeaveNothing } from '../helpers/deadman.ts';
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
    await expectKillsLeaveNothing({ runtime: 'docker', scenario: SCENARIO, scratch, limitMs: 5_000 }, SEED);
  });
});
