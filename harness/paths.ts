// Where things live on disk, and the tools the set-up builds. A missing tool is a harness error
// (exit 2) that names the tool, where it was looked for and the command that installs it.
// FAULTLINE_TOOLS_DIR and FAULTLINE_STATE_DIR move the tools and the ledgers (tests use them to
// isolate a run, or to point the harness at a folder with no tools in it).

import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const TOOLS_BIN = join(PROJECT_ROOT, '.tools', 'bin');
export const SCENARIOS_DIR = join(PROJECT_ROOT, 'scenarios');
export const DEFAULT_REPORTS_DIR = join(PROJECT_ROOT, 'reports');
export const STATE_DIR = process.env.FAULTLINE_STATE_DIR ? resolve(process.env.FAULTLINE_STATE_DIR) : join(PROJECT_ROOT, '.faultline', 'state');

/** Where the set-up's tools are: FAULTLINE_TOOLS_DIR when set, else .tools/bin. */
export function toolsDir(): string {
  return process.env.FAULTLINE_TOOLS_DIR ? resolve(process.env.FAULTLINE_TOOLS_DIR) : TOOLS_BIN;
}

export class HarnessError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HarnessError';
  }
}

/** Absolute path of a tool built by `npm run setup`; throws a HarnessError when it is missing. */
export function toolPath(name: 'k6' | 'toxiproxy-server'): string {
  const path = join(toolsDir(), name);
  const moved = process.env.FAULTLINE_TOOLS_DIR ? ` (FAULTLINE_TOOLS_DIR=${process.env.FAULTLINE_TOOLS_DIR})` : '';
  if (!existsSync(path)) throw new HarnessError(`${name} is missing: looked for ${path}${moved}; run \`npm run setup\` to build it`);
  return path;
}
