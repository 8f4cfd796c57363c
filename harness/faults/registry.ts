// Every fault kind by name. Adding a fault is adding one file and one line here.

import type { FaultModule } from './types.ts';
import { latencyFault } from './latency.ts';
import { killFault } from './kill.ts';
import { pauseFault } from './pause.ts';

export type { FaultSpec } from './types.ts';

export const FAULTS: Record<string, FaultModule<unknown>> = {
  latency: latencyFault,
  kill: killFault,
  pause: pauseFault,
};

/** The factories scenario files use: `faults.latency({ edge, ms, jitterMs })`. */
export { latency } from './latency.ts';
export { kill } from './kill.ts';
export { pause } from './pause.ts';
