// What a run may leave behind: processes started from this checkout (its tools, its node, the
// sample system) or holding a path under `marker` (the TMPDIR a test gave the run, where Postgres
// and Redis keep their data). Used by tests to prove that nothing is left running. Scoped to this
// checkout and marker, so another faultline run on the same machine does not count.

import { readdirSync, readFileSync } from 'node:fs';
import { PROJECT_ROOT } from '../../harness/paths.ts';

export function leftoverProcesses(marker?: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    if (Number(pid) === process.pid) continue;
    let cmdline: string;
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
    } catch {
      continue; // exited while we looked
    }
    const ours = cmdline.includes(`${PROJECT_ROOT}/.tools/bin/`) || cmdline.includes(`${PROJECT_ROOT}/sample-system/`) || (marker !== undefined && cmdline.includes(marker));
    if (ours && !cmdline.includes('vitest')) found.push(`${pid} ${cmdline}`);
  }
  return found;
}
