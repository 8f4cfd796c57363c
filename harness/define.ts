// What scenario files import: defineScenario, the fault factories and the SLO factories.
//   import { defineScenario, faults, slo } from '../harness/define.ts';

import { bandwidth, blackhole, packetLoss, partition, resetPeer, slowClose } from './faults/registry.ts';
import { kill, pause, latency, loadSpike, noisyNeighbour, poisonPill, flaky, ipLoss } from './faults/registry.ts';
import { availability, latency as latencySlo } from './verdict/slo.ts';

export { defineScenario } from './scenario.ts';
export { breakerOpens, retryAmplification } from './verdict/cascade.ts';
export { recoversWithin } from './verdict/recovery.ts';
export { sheds } from './verdict/shedding.ts';
export const faults = { bandwidth, blackhole, packetLoss, partition, resetPeer, slowClose, kill, pause, latency, loadSpike, noisyNeighbour, poisonPill, flaky, ipLoss } as const;
export const slo = { availability, latency: latencySlo } as const;
