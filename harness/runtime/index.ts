// Picks the runtime for `--runtime`. Docker (testcontainers) is a later issue, so `auto` means
// local for now and `docker` says it is not there yet.

import { HarnessError } from '../paths.ts';
import { localRuntime } from './local.ts';
import type { Runtime } from './types.ts';

export type RuntimeName = 'local' | 'docker' | 'auto';

export async function getRuntime(name: RuntimeName, progress: (line: string) => void = () => undefined): Promise<Runtime> {
  switch (name) {
    case 'local':
      return localRuntime();
    case 'auto':
      progress('runtime auto: using local (the docker runtime is not implemented yet)');
      return localRuntime();
    case 'docker':
      throw new HarnessError('the docker runtime is not implemented yet; use --runtime local (or auto)');
    default:
      throw new HarnessError(`unknown runtime ${JSON.stringify(name)}; runtimes are: auto, local, docker`);
  }
}
