// Every fault kind by name. Adding a fault is adding one file and one line here.

import type { FaultModule } from './types.ts';
import { latencyFault } from './latency.ts';

export type { FaultSpec } from './types.ts';

export const FAULTS: Record<string, FaultModule<unknown>> = {
  latency: latencyFault,
};

/** The factories scenario files use: `faults.latency({ edge, ms, jitterMs })`. */
export { latency } from './latency.ts';
