// faultline's public entry point: `import { defineSystem, defineScenario, faults, slo } from 'faultline'`.
// What a team's system declaration, scenarios and faultline.config.ts are written with; the CLI
// (`npx faultline`) is the bin, not an import.

export { defineConfig, type FaultlineConfig } from './config.ts';
export { breakerOpens, defineScenario, faults, recoversWithin, retryAmplification, scenarioKit, sheds, slo } from './define.ts';
export type { LoadSpec, ScenarioInput, ScheduledFault } from './scenario.ts';
export {
  defineSystem,
  type EndpointInput,
  type ParamInput,
  type PartInput,
  type ReadinessInput,
  type SystemCheck,
  type SystemCheckContext,
  type SystemInput,
} from './system/define.ts';
export type { CheckResult, RunResult } from './types.ts';
