// The parts of the reference system that process-level faults may kill or freeze: the two
// dependencies and every service instance. Toxiproxy is the harness's own instrument, not a part
// of the system under test, so it is not among them.

import { DEPENDENCIES, INSTANCES } from '../topology.ts';

export const CONTROLLABLE_PARTS: readonly string[] = [...DEPENDENCIES, ...INSTANCES.map((i) => i.name)];
