// What scenario files import: defineScenario, the fault factories and the SLO factories.
//   import { defineScenario, faults, slo } from '../harness/define.ts';

import { availability, latency as latencySlo } from './verdict/slo.ts';

export { faults } from './faults/registry.ts';
export { defineScenario } from './scenario.ts';
export { breakerOpens, retryAmplification } from './verdict/cascade.ts';
export { recoversWithin } from './verdict/recovery.ts';
export { sheds } from './verdict/shedding.ts';
export const slo = { availability, latency: latencySlo } as const;
export { scenarioKit } from './system/kit.ts';
