// Every fault kind by name. Adding a fault is adding one file and one line here.

import type { FaultModule } from './types.ts';
import { latencyFault } from './latency.ts';
import { bandwidthFault } from './bandwidth.ts';
import { packetLossFault } from './packet-loss.ts';
import { resetPeerFault } from './reset-peer.ts';
import { blackholeFault } from './blackhole.ts';
import { slowCloseFault } from './slow-close.ts';
import { partitionFault } from './partition.ts';
import { killFault } from './kill.ts';
import { pauseFault } from './pause.ts';
import { loadSpikeFault } from './load-spike.ts';
import { noisyNeighbourFault } from './noisy-neighbour.ts';
import { poisonPillFault } from './poison-pill.ts';
import { flakyFault } from './flaky.ts';
import { ipLossFault } from './ip-loss.ts';

export type { FaultSpec } from './types.ts';

export const FAULTS: Record<string, FaultModule<unknown>> = {
  latency: latencyFault,
  bandwidth: bandwidthFault,
  packetLoss: packetLossFault,
  resetPeer: resetPeerFault,
  blackhole: blackholeFault,
  slowClose: slowCloseFault,
  partition: partitionFault,
  kill: killFault,
  pause: pauseFault,
  loadSpike: loadSpikeFault,
  noisyNeighbour: noisyNeighbourFault,
  poisonPill: poisonPillFault,
  flaky: flakyFault,
  ipLoss: ipLossFault,
};

/** The factories scenario files use: `faults.latency({ edge, ms, jitterMs })`. */
export { latency } from './latency.ts';
export { bandwidth } from './bandwidth.ts';
export { packetLoss } from './packet-loss.ts';
export { resetPeer } from './reset-peer.ts';
export { blackhole } from './blackhole.ts';
export { slowClose } from './slow-close.ts';
export { partition } from './partition.ts';
export { kill } from './kill.ts';
export { pause } from './pause.ts';
export { loadSpike } from './load-spike.ts';
export { noisyNeighbour } from './noisy-neighbour.ts';
export { poisonPill } from './poison-pill.ts';
export { flaky } from './flaky.ts';
export { ipLoss } from './ip-loss.ts';
