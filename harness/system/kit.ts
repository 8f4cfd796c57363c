// Scenario helpers typed by one system's declaration, so the editor completes (and the type checker
// refuses) its edges, parts, endpoints, tenants, priorities and patterns while a scenario is written:
//
//   import shop from './system.ts';   // a scenario file beside the system's declaration
//   const { defineScenario, faults, slo } = scenarioKit(shop);
//   export default defineScenario({ name: ..., faults: [{ at: '8s', for: '12s', fault: faults.latency({ edge: 'catalog->postgres', ms: 400 }) }], ... });
//
// Only types: the functions are harness/define.ts's own, and a scenario is validated against its
// system at run time either way (exit 2 naming file, field and the allowed values).

import { faults as untypedFaults } from '../faults/registry.ts';
import type { FaultSpec } from '../faults/types.ts';
import type { ScenarioInput, ScheduledFault } from '../scenario.ts';
import type { BlastRadiusSpec } from '../verdict/blast-radius.ts';
import { type BreakerOpensSpec, breakerOpens, type RetryAmplificationSpec, retryAmplification } from '../verdict/cascade.ts';
import { type RecoverySpec, recoversWithin } from '../verdict/recovery.ts';
import { type ShedSpec, sheds } from '../verdict/shedding.ts';
import { type AvailabilitySlo, availability, type LatencySlo, latency } from '../verdict/slo.ts';
import type { EndpointName, PartName, PatternName, SystemInput, TenantName } from './define.ts';

/** An edge as scenarios name it: a declared `caller->callee`, or one replica's (`gateway->catalog-2`). */
export type EdgeName<S extends SystemInput> = S['edges'][number] | `${S['edges'][number]}-${number}`;
/** A part or one replica of it (`catalog-2`). */
export type InstanceName<S extends SystemInput> = PartName<S> | `${PartName<S>}-${number}`;
export type PriorityName<S extends SystemInput> = S['priorities'] extends { names: readonly (infer T extends string)[] } ? T : never;
type Dependency<S extends SystemInput> = S['edges'][number] extends `${string}->${infer To}` ? To : never;

/** A fault's parameters with the system's names in place of strings. */
type Typed<P, S extends SystemInput> = {
  [K in keyof P]: K extends 'edge'
    ? EdgeName<S>
    : K extends 'part' | 'service'
      ? InstanceName<S>
      : K extends 'tenant'
        ? TenantName<S>
        : K extends 'priority'
          ? PriorityName<S>
          : K extends 'endpoint'
            ? EndpointName<S>
            : K extends 'mix'
              ? Partial<Record<EndpointName<S>, number>>
              : P[K];
};

type Factories = typeof untypedFaults;
export type TypedFaults<S extends SystemInput> = {
  readonly [K in keyof Factories]: (params: Typed<Parameters<Factories[K]>[0], S>) => FaultSpec<K, Parameters<Factories[K]>[0]>;
};

type TypedSlo<T, S extends SystemInput> = Omit<T, 'kind' | 'endpoint' | 'priority'> & { endpoint: EndpointName<S>; priority?: PriorityName<S> };

/** A scenario of this system: the same fields as defineScenario's, with the system's names. */
export interface TypedScenario<S extends SystemInput> extends Omit<ScenarioInput, 'system' | 'load' | 'protectedBy' | 'blastRadius' | 'faults'> {
  load: Omit<ScenarioInput['load'], 'mix' | 'tenants' | 'priorities'> & {
    mix: Partial<Record<EndpointName<S>, number>>;
    tenants?: Partial<Record<TenantName<S> & string, number>>;
    priorities?: Partial<Record<PriorityName<S>, number>>;
  };
  faults: ScheduledFault[];
  protectedBy: PatternName<S>[];
  blastRadius?: Omit<BlastRadiusSpec, 'mayBreach' | 'tenants'> & { mayBreach?: EndpointName<S>[]; tenants?: TenantName<S>[] };
}

export function scenarioKit<const S extends SystemInput>(system: S) {
  return {
    /** the scenario, naming this system */
    defineScenario: (input: TypedScenario<S>): ScenarioInput => ({ ...(input as unknown as Omit<ScenarioInput, 'system'>), system: system.name }),
    faults: untypedFaults as unknown as TypedFaults<S>,
    slo: {
      availability: (o: TypedSlo<AvailabilitySlo, S>): AvailabilitySlo => availability(o as Omit<AvailabilitySlo, 'kind'>),
      latency: (o: TypedSlo<LatencySlo, S>): LatencySlo => latency(o as Omit<LatencySlo, 'kind'>),
    },
    recoversWithin: (endpoint: EndpointName<S>, within: string): RecoverySpec => recoversWithin(endpoint, within),
    retryAmplification: (o: Omit<RetryAmplificationSpec, 'kind' | 'dependency'> & { dependency: Dependency<S> }): RetryAmplificationSpec =>
      retryAmplification(o),
    breakerOpens: (o: Omit<BreakerOpensSpec, 'kind' | 'dependency'> & { dependency: Dependency<S> }): BreakerOpensSpec => breakerOpens(o),
    sheds: (o: Omit<ShedSpec, 'kind' | 'priority'> & { priority: PriorityName<S> }): ShedSpec => sheds(o as Omit<ShedSpec, 'kind'>),
  };
}
