// `npm run bench [-- <name> [options]]`: runs one benchmark, or all of them. Each prints its own
// figures; the exit code is 1 when one could not run.

import { benchBoot } from './boot.ts';
import { benchDeadman } from './deadman.ts';
import { benchFaults } from './faults.ts';
import { benchGateway } from './gateway.ts';
import { benchLoad } from './load.ts';
import { benchStability } from './stability.ts';

const BENCHES: Record<string, (args: string[]) => Promise<void>> = {
  boot: benchBoot,
  gateway: benchGateway,
  faults: benchFaults,
  deadman: benchDeadman,
  stability: benchStability,
  load: benchLoad,
};

const [name, ...args] = process.argv.slice(2);
// stability runs scenarios for many minutes: only when named
const chosen = name === undefined || name.startsWith('-') ? Object.keys(BENCHES).filter((n) => n !== 'stability') : [name];
const unknown = chosen.filter((n) => !(n in BENCHES));
if (unknown.length > 0) {
  process.stderr.write(`bench: unknown benchmark ${JSON.stringify(unknown[0])}; benchmarks are: ${Object.keys(BENCHES).join(', ')}\n`);
  process.exit(2);
}
for (const n of chosen) {
  try {
    await (BENCHES[n] as (args: string[]) => Promise<void>)(name === undefined || name.startsWith('-') ? process.argv.slice(2) : args);
  } catch (error) {
    process.stderr.write(`bench ${n}: ${(error as Error).message}\n`);
    process.exitCode = 1;
  }
}
