// What a run may leave behind: processes started from the project's tools, the sample system,
// or a faultline temp dir. Used by tests to prove that nothing is left running.

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
    const ours =
      cmdline.includes(`${PROJECT_ROOT}/.tools/bin/`) ||
      cmdline.includes('sample-system/') ||
      /\/faultline-[^/ ]+/.test(cmdline) ||
      (marker !== undefined && cmdline.includes(marker));
    if (ours && !cmdline.includes('vitest')) found.push(`${pid} ${cmdline}`);
  }
  return found;
}
