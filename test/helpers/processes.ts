// What a run may leave behind: processes started from this checkout (its tools, its node, the
// sample system) or holding a path under `marker` (the TMPDIR a test gave the run, where Postgres
// and Redis keep their data) in their command line or environment (every child of a run gets
// TMPDIR inside it). Used by tests to prove that nothing is left running. Scoped to this checkout
// and marker, so another faultline run on the same machine does not count; `markerOnly` narrows
// it to the marker, for tests that run while other runs from this checkout may be going on.

import { readdirSync, readFileSync } from 'node:fs';
import { PROJECT_ROOT } from '../../harness/paths.ts';
import { toolDir } from '../../harness/tools.ts';

/** the folders of the tools this checkout runs (in the per-user cache) */
const TOOL_DIRS = [toolDir('k6'), toolDir('toxiproxy-server')];

export function leftoverProcesses(marker?: string, options: { markerOnly?: boolean } = {}): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    if (Number(pid) === process.pid) continue;
    let cmdline: string;
    let environ = '';
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
      if (marker !== undefined) environ = readFileSync(`/proc/${pid}/environ`, 'utf8');
    } catch {
      continue; // exited while we looked, or not ours to read
    }
    if (cmdline === '') continue; // a zombie: already dead, waiting to be reaped
    const checkout = !options.markerOnly && (TOOL_DIRS.some((d) => cmdline.includes(`${d}/`)) || cmdline.includes(`${PROJECT_ROOT}/sample-system/`));
    const marked = marker !== undefined && (cmdline.includes(marker) || environ.includes(marker));
    if ((checkout || marked) && !cmdline.includes('vitest')) found.push(`${pid} ${cmdline}`);
  }
  return found;
}
