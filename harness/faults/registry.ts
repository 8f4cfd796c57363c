// Every fault kind by name. Adding a fault is adding one file (a FaultModule with its factory in
// `make`) and one line here; the scenarios' `faults.<kind>(...)` factories are derived from this list.

import { bandwidthFault } from './bandwidth.ts';
import { blackholeFault } from './blackhole.ts';
import { flakyFault } from './flaky.ts';
import { ipLossFault } from './ip-loss.ts';
import { killFault } from './kill.ts';
import { latencyFault } from './latency.ts';
import { loadSpikeFault } from './load-spike.ts';
import { noisyNeighbourFault } from './noisy-neighbour.ts';
import { packetLossFault } from './packet-loss.ts';
import { partitionFault } from './partition.ts';
import { pauseFault } from './pause.ts';
import { poisonPillFault } from './poison-pill.ts';
import { resetPeerFault } from './reset-peer.ts';
import { slowCloseFault } from './slow-close.ts';
import type { FaultModule } from './types.ts';

export type { FaultSpec } from './types.ts';

const MODULES = [
  latencyFault,
  bandwidthFault,
  packetLossFault,
  resetPeerFault,
  blackholeFault,
  slowCloseFault,
  partitionFault,
  killFault,
  pauseFault,
  loadSpikeFault,
  noisyNeighbourFault,
  poisonPillFault,
  flakyFault,
  ipLossFault,
] as const;

type Module = (typeof MODULES)[number];

export const FAULTS: Readonly<Record<string, FaultModule<unknown>>> = Object.fromEntries(MODULES.map((m) => [m.kind, m as unknown as FaultModule<unknown>]));

/** The factories scenario files use: `faults.latency({ edge, ms, jitterMs })`, one per kind. */
export const faults = Object.fromEntries(MODULES.map((m) => [m.kind, m.make])) as { readonly [M in Module as M['kind']]: M['make'] };
