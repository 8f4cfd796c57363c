// Where things live on disk. PACKAGE_ROOT is faultline's own folder: the repository when run from
// a clone, node_modules/faultline when installed (compiled into dist/, the same walk finds it).
// FAULTLINE_STATE_DIR moves the ledgers; the built tools are in a per-user cache (harness/tools.ts).

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The nearest folder at or above this module holding faultline's package.json. */
function packageRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'faultline') return dir;
    if (dirname(dir) === dir) throw new Error(`faultline's package.json was not found at or above ${from}`);
  }
}

export const PACKAGE_ROOT = packageRoot(dirname(fileURLToPath(import.meta.url)));
/** @deprecated the same folder as PACKAGE_ROOT, under its older name */
export const PROJECT_ROOT = PACKAGE_ROOT;
/** true when this is an installed copy (inside some project's node_modules), not a clone */
export const INSTALLED = PACKAGE_ROOT.split(/[\\/]/).includes('node_modules');
export const SCENARIOS_DIR = join(PACKAGE_ROOT, 'scenarios');
export const DEFAULT_REPORTS_DIR = join(PACKAGE_ROOT, 'reports');
export const STATE_DIR = process.env.FAULTLINE_STATE_DIR ? resolve(process.env.FAULTLINE_STATE_DIR) : join(PACKAGE_ROOT, '.faultline', 'state');
/** the command that builds the tools, as a user of this copy types it */
export const SETUP_COMMAND = INSTALLED ? 'npx faultline setup' : 'npm run setup';

export class HarnessError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HarnessError';
  }
}
