// `faultline setup` (and, in this repository, what `npm run setup` ends in): builds the tools into
// the per-user cache and makes the docker runtime available where it can. The steps are
// scripts/setup.sh's (Debian packages, Go builds, the engine, the images); this passes it where
// each tool goes (harness/tools.ts, the same code the harness finds them with) and the Node to use.

import { join } from 'node:path';
import { execa } from 'execa';
import { INSTALLED, PACKAGE_ROOT } from './paths.ts';
import { planEnv, toolPlan } from './tools.ts';

export const SETUP_SCRIPT = join(PACKAGE_ROOT, 'scripts', 'setup.sh');

/** The environment scripts/setup.sh runs in: the plan's folders, and the Node faultline runs on. */
export function setupEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  return { FAULTLINE_SETUP_MODE: INSTALLED ? 'package' : 'repo', FAULTLINE_NODE: process.execPath, ...planEnv(toolPlan(env)) };
}

/** Runs the set-up with its output on this terminal; resolves with its exit code. */
export async function setup(argv: readonly string[], err: (line: string) => void): Promise<number> {
  if (argv.length > 0) {
    err(`faultline setup takes no arguments (got ${argv.join(' ')}); FAULTLINE_CACHE_DIR moves the cache, FAULTLINE_DOCKER=skip leaves Docker alone`);
    return 2;
  }
  const result = await execa('bash', [SETUP_SCRIPT], { env: setupEnv(), stdio: 'inherit', reject: false });
  return result.exitCode ?? 2;
}
