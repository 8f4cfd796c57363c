// A scenario is typed data: load, faults on a schedule, SLOs and the patterns that protect it.
// defineScenario only types it; validateScenario checks it at the edge with messages that name
// the file, the field, the value and what is allowed. Inside the harness the types are trusted.

import { parseDurationMs } from './duration.ts';
import { FAULTS, type FaultSpec } from './faults/registry.ts';
import { InputProblems, unknownFields } from './fields.ts';
import type { ParamInput, SystemInput } from './system/define.ts';
import { dependencies, priorityNames, type System } from './system/system.ts';
import { paramProblem } from './system/validate.ts';
import { PHASES, type PhaseName } from './types.ts';
import type { BlastRadiusSpec } from './verdict/blast-radius.ts';
import { AMPLIFICATION_PER, type BreakerOpensSpec, type RetryAmplificationSpec } from './verdict/cascade.ts';
import { RECOVERY_WINDOW_MS, type RecoverySpec } from './verdict/recovery.ts';
import { type ShedSpec, validateShed } from './verdict/shedding.ts';
import { type SloSpec, validateSlo } from './verdict/slo.ts';

export type CascadeSpec = RetryAmplificationSpec | RecoverySpec | ShedSpec | BreakerOpensSpec;

export interface LoadSpec {
  /** open-model arrival rate, requests per second */
  rate: number;
  /** total load duration, e.g. '60s' (left out with phases: the sum of their maxima) */
  duration?: string;
  /** share of requests per endpoint; shares are normalised */
  mix: Partial<Record<string, number>>;
  /** share of requests per tenant; default: equal shares over every tenant */
  tenants?: Partial<Record<string, number>>;
  /** how endpoint parameters are drawn in this scenario, instead of the system's draws (e.g. a hot set: { id: { int: [1, 50] } }) */
  params?: Partial<Record<string, ParamInput>>;
  /** share of requests per x-priority (critical / normal / background); default: all normal */
  priorities?: Partial<Record<string, number>>;
}

export interface ScheduledFault {
  /** when the fault is applied, from load start, e.g. '20s' (left out with `phases`: the fault spans the fault phase) */
  at?: string;
  /** how long it stays, e.g. '20s' (left out with `phases`) */
  for?: string;
  /**
   * load-shaped faults only: how long the extra traffic takes to climb linearly from 0 to its rate
   * (k6 ramping-arrival-rate), then it holds until the end of `for`; e.g. '3s'
   */
  ramp?: string;
  fault: FaultSpec;
}

/** A phase as long as its evidence needs: at least min, at most max (e.g. { min: '4s', max: '8s' }). */
export interface PhaseSpan {
  min: string;
  max: string;
}

export interface ScenarioInput {
  /** the system under test: its name, or its imported declaration (which gives the editor its names) */
  system: string | SystemInput;
  name: string;
  description: string;
  load: LoadSpec;
  faults: ScheduledFault[];
  slos: SloSpec[];
  /** resilience patterns that keep this scenario green: disabling them must make it fail */
  protectedBy: string[];
  /** which endpoints may breach; every other endpoint x tenant x phase cell must hold its SLOs */
  blastRadius?: BlastRadiusSpec;
  /** cascade and recovery checks: retryAmplification(...), recoversWithin(...) */
  cascade?: CascadeSpec[];
  /**
   * adaptive phases instead of fixed times: each phase lasts at least min and at most max, and
   * ends as soon as every check judged in it is decided (its interval clear of the objective).
   * With phases, load.duration and the faults' at/for are left out: every fault spans the fault phase.
   */
  phases?: { baseline: PhaseSpan; fault: PhaseSpan; recovery: PhaseSpan };
  /** end the run as soon as a check is decided failing (every fault removed, the report written); needs phases */
  abortOnFail?: boolean;
}

/**
 * Adaptive phase bounds in ms. `holdMs` (recovery only, from the scenario's recoversWithin): the
 * phase may outlast its max, up to this, while a recovery has not been seen yet: max bounds the
 * evidence the SLO checks get, holdMs (the bound plus one window that holds) a late recovery.
 */
export type PhaseBounds = Record<PhaseName, { minMs: number; maxMs: number; holdMs?: number }>;

export interface Scenario extends Omit<ScenarioInput, 'system' | 'phases'> {
  system: System;
  file: string;
  /** the load's length: fixed, or with phases the sum of their maxima (k6's script runs that long at most) */
  durationMs: number;
  schedule: { atMs: number; forMs: number; rampMs?: number; fault: FaultSpec }[];
  /** present when the scenario gives phases { min, max }: the harness ends each phase when it is decided */
  adaptive?: PhaseBounds;
}

export function defineScenario(input: ScenarioInput): ScenarioInput {
  return input;
}

/** A scenario file that failed validation (exit 2: invalid scenario). */
export class ScenarioError extends InputProblems {}

const list = (names: readonly string[]): string => names.join(', ');
const SCENARIO_FIELDS = [
  'system',
  'name',
  'description',
  'load',
  'faults',
  'slos',
  'protectedBy',
  'blastRadius',
  'cascade',
  'phases',
  'abortOnFail',
] as const satisfies readonly (keyof ScenarioInput)[];
const LOAD_FIELDS = ['rate', 'duration', 'mix', 'tenants', 'params', 'priorities'] as const satisfies readonly (keyof LoadSpec)[];
const FAULT_ENTRY_FIELDS = ['at', 'for', 'ramp', 'fault'] as const satisfies readonly (keyof ScheduledFault)[];
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Checks a scenario module's default export against its system; throws ScenarioError listing every problem. */
export function validateScenario(raw: unknown, file: string, system: System): Scenario {
  const ENDPOINTS = Object.keys(system.endpoints);
  const TENANTS = system.tenants?.names ?? [];
  const PRIORITIES = priorityNames(system);
  const PATTERNS = system.patterns;
  const problems: string[] = [];
  const bad = (field: string, text: string): void => {
    problems.push(`${file}: ${field} ${text}`);
  };
  if (!isRecord(raw)) throw new ScenarioError([`${file}: the default export is not a scenario object (use export default defineScenario({...}))`]);
  for (const p of unknownFields(raw, SCENARIO_FIELDS, 'a scenario')) bad(p.field, p.text);

  if (typeof raw.name !== 'string' || !/^[a-z0-9][a-z0-9-]*$/.test(raw.name)) bad('name', `${JSON.stringify(raw.name)} must be lower-case words joined by '-'`);
  if (typeof raw.description !== 'string' || raw.description.trim() === '') bad('description', 'must be a non-empty sentence');

  const adaptive = raw.phases === undefined ? undefined : phaseBounds(raw.phases, bad);
  if (raw.abortOnFail !== undefined && typeof raw.abortOnFail !== 'boolean') bad('abortOnFail', `${JSON.stringify(raw.abortOnFail)} must be true or false`);
  if (raw.abortOnFail === true && raw.phases === undefined)
    bad('abortOnFail', 'needs phases { min, max }: with fixed times the harness does not judge while the load runs');
  let durationMs = 0;
  const load = raw.load;
  if (!isRecord(load)) {
    bad('load', 'is missing: give { rate, duration, mix }');
  } else {
    for (const p of unknownFields(load, LOAD_FIELDS, 'load')) bad(`load.${p.field}`, p.text);
    if (typeof load.rate !== 'number' || !(load.rate > 0) || load.rate > 5000)
      bad('load.rate', `${JSON.stringify(load.rate)} must be a number of requests per second in (0, 5000]`);
    if (adaptive !== undefined) {
      if (load.duration !== undefined)
        bad('load.duration', `must be left out with phases: the load runs for the sum of the phases' maxima (${adaptiveTotal(adaptive) / 1000} s) at most`);
      durationMs = adaptiveTotal(adaptive);
    } else {
      durationMs = parseDurationMs(String(load.duration)) ?? 0;
      if (durationMs <= 0) bad('load.duration', `${JSON.stringify(load.duration)} is not a positive duration like '60s' or '2m'`);
    }
    checkShares(load.mix, 'load.mix', ENDPOINTS, bad, true);
    if (load.tenants !== undefined && TENANTS.length === 0) bad('load.tenants', `system ${system.name} has no tenants: leave load.tenants out`);
    else if (load.tenants !== undefined) checkShares(load.tenants, 'load.tenants', TENANTS, bad, true);
    if (load.priorities !== undefined && PRIORITIES.length === 0) bad('load.priorities', `system ${system.name} has no priorities: leave load.priorities out`);
    else if (load.priorities !== undefined) checkShares(load.priorities, 'load.priorities', PRIORITIES, bad, true);
    if (load.params !== undefined) {
      const mixed = isRecord(load.mix) ? Object.keys(load.mix).filter((e) => e in system.endpoints) : [];
      const drawn = [...new Set(mixed.flatMap((e) => Object.keys(system.endpoints[e]?.params ?? {})))];
      if (!isRecord(load.params))
        bad('load.params', `must map parameter names to draws, e.g. { id: { int: [1, 50] } }; parameters of the mixed endpoints are: ${list(drawn)}`);
      else
        for (const [param, spec] of Object.entries(load.params)) {
          if (!drawn.includes(param)) bad(`load.params.${param}`, `is not a parameter of an endpoint in load.mix; parameters are: ${list(drawn)}`);
          const problem = paramProblem(spec, ENDPOINTS, system.endpoints as unknown as Record<string, unknown>);
          if (problem) bad(`load.params.${param}`, problem);
        }
    }
  }

  const schedule: Scenario['schedule'] = [];
  if (!Array.isArray(raw.faults)) bad('faults', 'must be a list (it may be empty)');
  else
    raw.faults.forEach((entry: unknown, i: number) => {
      const at = `faults[${i}]`;
      if (!isRecord(entry)) return bad(at, 'must be { at, for, fault }');
      for (const p of unknownFields(entry, FAULT_ENTRY_FIELDS, 'a scheduled fault')) bad(`${at}.${p.field}`, p.text);
      if (adaptive !== undefined && (entry.at !== undefined || entry.for !== undefined))
        bad(at, 'gives at/for, but the scenario gives phases: with phases every fault spans the fault phase; leave at and for out');
      const atMs = adaptive !== undefined ? adaptive.baseline.maxMs : parseDurationMs(String(entry.at));
      const forMs = adaptive !== undefined ? adaptive.fault.maxMs : parseDurationMs(String(entry.for));
      if (atMs === null) bad(`${at}.at`, `${JSON.stringify(entry.at)} is not a duration like '20s'`);
      if (forMs === null || forMs <= 0) bad(`${at}.for`, `${JSON.stringify(entry.for)} must be a positive duration like '20s'`);
      if (atMs !== null && forMs !== null && durationMs > 0 && atMs + forMs >= durationMs)
        bad(`${at}`, `ends at ${atMs + forMs} ms, not before the load ends at ${durationMs} ms: leave a recovery phase`);
      if (atMs === 0) bad(`${at}.at`, `is 0: leave a baseline phase before the fault`);
      const fault = entry.fault;
      if (!isRecord(fault) || typeof fault.kind !== 'string')
        return bad(`${at}.fault`, `must be made by a fault factory; kinds are: ${list(Object.keys(FAULTS))}`);
      const module = FAULTS[fault.kind];
      if (module === undefined) return bad(`${at}.fault.kind`, `${JSON.stringify(fault.kind)} is not a fault kind; kinds are: ${list(Object.keys(FAULTS))}`);
      for (const p of unknownFields(fault, ['kind', 'params'], 'a fault')) bad(`${at}.fault.${p.field}`, p.text);
      if (!isRecord(fault.params)) return bad(`${at}.fault.params`, `must be an object; make the fault with faults.${fault.kind}({...})`);
      for (const p of unknownFields(fault.params, module.fields, `a ${fault.kind} fault`)) bad(`${at}.fault.${p.field}`, p.text);
      for (const p of module.validate(fault.params, system)) bad(`${at}.fault.${p.field}`, p.text);
      if (adaptive !== undefined && module.traffic !== undefined)
        bad(
          `${at}.fault.kind`,
          `"${fault.kind}" is load-shaped: k6 schedules its traffic when the script is written, so it cannot follow phases that end when decided; give at/for and load.duration instead of phases`,
        );
      let rampMs: number | undefined;
      if (entry.ramp !== undefined) {
        const ramped = Object.keys(FAULTS).filter((k) => FAULTS[k]?.traffic !== undefined);
        const parsed = parseDurationMs(String(entry.ramp));
        if (module.traffic === undefined) bad(`${at}.ramp`, `a ${fault.kind} fault cannot ramp: only load-shaped faults do (${list(ramped)}); leave ramp out`);
        else if (parsed === null || parsed <= 0 || (forMs !== null && parsed >= forMs))
          bad(`${at}.ramp`, `${JSON.stringify(entry.ramp)} must be a positive duration shorter than for (${JSON.stringify(entry.for)}), like '3s'`);
        else rampMs = parsed;
      }
      if (atMs !== null && forMs !== null) schedule.push({ atMs, forMs, ...(rampMs !== undefined ? { rampMs } : {}), fault: fault as unknown as FaultSpec });
    });

  if (!Array.isArray(raw.slos) || raw.slos.length === 0) bad('slos', 'must list at least one SLO: a scenario with nothing to check would pass vacuously');
  else
    raw.slos.forEach((s: unknown, i: number) => {
      const sloProblems = validateSlo(s, ENDPOINTS, PRIORITIES);
      sloProblems.forEach((p) => bad(`slos[${i}].${p.field}`, p.text));
      if (sloProblems.length > 0 || !isRecord(s)) return;
      // an SLO that can never have samples would fail for a reason that is not the system's
      const mix = isRecord(load) && isRecord(load.mix) ? Object.keys(load.mix) : [];
      if (mix.length > 0 && !mix.includes(s.endpoint as string))
        bad(`slos[${i}].endpoint`, `${JSON.stringify(s.endpoint)} gets no load: load.mix sends requests only to ${list(mix)}`);
      const phases = (s.phases as PhaseName[] | undefined) ?? PHASES;
      if (Array.isArray(raw.faults) && raw.faults.length === 0 && phases.some((p) => p !== 'baseline'))
        bad(
          `slos[${i}].phases`,
          `${JSON.stringify(s.phases ?? 'all phases')} includes a fault or recovery phase, but faults is empty; give phases: ['baseline'] or add a fault`,
        );
    });

  if (Object.keys(PATTERNS).length === 0)
    bad(
      'protectedBy',
      `system ${system.name} declares no switches, so nothing can be switched off to prove this scenario tests something; declare its patterns in switches`,
    );
  else if (!Array.isArray(raw.protectedBy) || raw.protectedBy.length === 0)
    bad('protectedBy', `must name at least one pattern; patterns are: ${list(Object.keys(PATTERNS))}`);
  else
    raw.protectedBy.forEach((p: unknown, i: number) => {
      if (typeof p !== 'string' || !(p in PATTERNS))
        bad(`protectedBy[${i}]`, `${JSON.stringify(p)} is not a pattern; patterns are: ${list(Object.keys(PATTERNS))}`);
    });

  if (raw.blastRadius !== undefined) {
    if (!isRecord(raw.blastRadius)) bad('blastRadius', 'must be { mayBreach?: [endpoints], tenants?: [tenants] }');
    else {
      for (const p of unknownFields(raw.blastRadius, ['mayBreach', 'tenants'], 'blastRadius')) bad(`blastRadius.${p.field}`, p.text);
      const tenants = raw.blastRadius.tenants;
      if (tenants !== undefined && !Array.isArray(tenants)) bad('blastRadius.tenants', `must be a list of tenants; tenants are: ${list(TENANTS)}`);
      else
        (tenants ?? []).forEach((t: unknown, i: number) => {
          if (!TENANTS.includes(t as (typeof TENANTS)[number]))
            bad(`blastRadius.tenants[${i}]`, `${JSON.stringify(t)} is not a tenant; tenants are: ${list(TENANTS)}`);
        });
      const mayBreach = raw.blastRadius.mayBreach;
      if (mayBreach !== undefined && !Array.isArray(mayBreach)) bad('blastRadius.mayBreach', 'must be a list of endpoints');
      else
        (mayBreach ?? []).forEach((e: unknown, i: number) => {
          if (!ENDPOINTS.includes(e as (typeof ENDPOINTS)[number]))
            bad(`blastRadius.mayBreach[${i}]`, `${JSON.stringify(e)} is not an endpoint; endpoints are: ${list(ENDPOINTS)}`);
        });
    }
  }
  if (raw.cascade !== undefined) {
    if (!Array.isArray(raw.cascade)) bad('cascade', 'must be a list of retryAmplification(...) / recoversWithin(...) / sheds(...)');
    else raw.cascade.forEach((c: unknown, i: number) => validateCascade(c, `cascade[${i}]`, bad, raw.slos, system));
  }

  if (adaptive !== undefined && Array.isArray(raw.cascade))
    for (const [i, c] of raw.cascade.entries()) {
      if (!isRecord(c) || c.kind !== 'recovery') continue;
      const withinMs = parseDurationMs(String(c.within)) ?? 0;
      // a recovery is seen in one whole window that holds; one as late as the bound needs the
      // phase to run on to bound + window, which the hold gives it (the load is scripted that long)
      if (adaptive.recovery.minMs < RECOVERY_WINDOW_MS)
        bad(
          `cascade[${i}].within`,
          `needs a recovery phase of at least one ${RECOVERY_WINDOW_MS / 1000} s window that holds; phases.recovery.min is ${adaptive.recovery.minMs / 1000} s`,
        );
      adaptive.recovery.holdMs = Math.max(adaptive.recovery.holdMs ?? 0, withinMs + RECOVERY_WINDOW_MS);
    }
  if (adaptive !== undefined) durationMs = adaptiveTotal(adaptive);

  if (problems.length > 0) throw new ScenarioError(problems);
  const { phases: _phases, ...input } = raw as unknown as ScenarioInput;
  return { ...input, system, file, durationMs, schedule, ...(adaptive === undefined ? {} : { adaptive }) };
}

const adaptiveTotal = (b: PhaseBounds): number => b.baseline.maxMs + b.fault.maxMs + Math.max(b.recovery.maxMs, b.recovery.holdMs ?? 0);

/** phases: { baseline, fault, recovery }, each { min, max } with 0 < min <= max; null fields reported through `bad`. */
function phaseBounds(raw: unknown, bad: (field: string, text: string) => void): PhaseBounds | undefined {
  if (!isRecord(raw)) {
    bad('phases', "must be { baseline: { min, max }, fault: { min, max }, recovery: { min, max } }, e.g. { min: '4s', max: '8s' }");
    return undefined;
  }
  for (const p of unknownFields(raw, PHASES, 'phases')) bad(`phases.${p.field}`, p.text);
  const out: Partial<PhaseBounds> = {};
  for (const phase of PHASES) {
    const span = raw[phase];
    if (!isRecord(span)) {
      bad(`phases.${phase}`, "is missing: give { min, max }, e.g. { min: '4s', max: '8s' }");
      continue;
    }
    for (const p of unknownFields(span, ['min', 'max'], `phases.${phase}`)) bad(`phases.${phase}.${p.field}`, p.text);
    const minMs = parseDurationMs(String(span.min));
    const maxMs = parseDurationMs(String(span.max));
    if (minMs === null || minMs <= 0) bad(`phases.${phase}.min`, `${JSON.stringify(span.min)} must be a positive duration like '4s'`);
    if (maxMs === null || maxMs <= 0) bad(`phases.${phase}.max`, `${JSON.stringify(span.max)} must be a positive duration like '8s'`);
    else if (minMs !== null && minMs > maxMs) bad(`phases.${phase}`, `min ${JSON.stringify(span.min)} is longer than max ${JSON.stringify(span.max)}`);
    if (minMs !== null && maxMs !== null) out[phase] = { minMs, maxMs };
  }
  return out.baseline && out.fault && out.recovery ? (out as PhaseBounds) : undefined;
}

/**
 * Faults `runtime` cannot apply (ipLoss needs a container of its own per part), one message each
 * naming the file and the field; checked once the runtime is known, before anything boots.
 */
export function runtimeProblems(scenario: Pick<Scenario, 'file' | 'faults'>, runtime: 'local' | 'docker'): string[] {
  return scenario.faults.flatMap((entry, i) => {
    const runtimes = FAULTS[entry.fault.kind]?.runtimes;
    if (runtimes === undefined || runtimes.includes(runtime)) return [];
    const flag = runtimes.map((r) => `--runtime ${r}`).join(' or ');
    return [
      `${scenario.file}: faults[${i}].fault.kind "${entry.fault.kind}" runs on the ${runtimes.join(' or ')} runtime only, and this run uses ${runtime}; run it with ${flag}`,
    ];
  });
}

function validateCascade(c: unknown, at: string, bad: (field: string, text: string) => void, slos: unknown, system: System): void {
  const ENDPOINTS = Object.keys(system.endpoints);
  const series = system.metrics?.series ?? {};
  const needs = (check: string, wanted: (keyof NonNullable<System['metrics']>['series'])[]): void => {
    const missing = wanted.filter((w) => series[w] === undefined);
    if (missing.length > 0)
      bad(
        `${at}`,
        `${check} reads the series ${missing.map((m) => `metrics.series.${m}`).join(' and ')}, which system ${system.name} does not declare${system.metrics === undefined ? ' (it declares no metrics)' : ''}: declare ${missing.length > 1 ? 'them' : 'it'} in ${system.file.split('/').slice(-2).join('/')}, or leave this check out`,
      );
  };
  const kinds = ['retry-amplification', 'recovery', 'shed', 'breaker-opens'];
  if (!isRecord(c) || !kinds.includes(c.kind as string))
    return bad(
      `${at}.kind`,
      `${JSON.stringify(isRecord(c) ? c.kind : c)} is not a cascade check; make one with retryAmplification({...}), recoversWithin(endpoint, '10s'), sheds({...}) or breakerOpens({...})`,
    );
  if (c.kind === 'breaker-opens') {
    for (const p of unknownFields(c, ['kind', 'dependency', 'min', 'max', 'phase'], 'breakerOpens')) bad(`${at}.${p.field}`, p.text);
    const guarded = dependencies(system);
    needs('breakerOpens', ['breakerTransitions', 'calls']);
    if (!guarded.includes(c.dependency as string))
      bad(`${at}.dependency`, `${JSON.stringify(c.dependency)} is not a dependency; dependencies are: ${list(guarded)}`);
    for (const f of ['min', 'max'] as const)
      if (c[f] !== undefined && !(Number.isInteger(c[f]) && (c[f] as number) >= 0))
        bad(`${at}.${f}`, `${JSON.stringify(c[f])} must be a whole number of openings >= 0`);
    if (c.min === undefined && c.max === undefined) bad(`${at}`, 'breakerOpens needs min, max or both: with neither it could never fail');
    if (c.phase !== undefined && !PHASES.includes(c.phase as PhaseName))
      bad(`${at}.phase`, `${JSON.stringify(c.phase)} is not a phase; phases are: ${list(PHASES)}`);
    return;
  }
  if (c.kind === 'shed') {
    for (const p of validateShed(c, priorityNames(system))) bad(`${at}.${p.field}`, p.text);
    return;
  }
  if (c.kind === 'recovery') {
    for (const p of unknownFields(c, ['kind', 'endpoint', 'within'], 'recoversWithin')) bad(`${at}.${p.field}`, p.text);
    if (!ENDPOINTS.includes(c.endpoint as (typeof ENDPOINTS)[number]))
      bad(`${at}.endpoint`, `${JSON.stringify(c.endpoint)} is not an endpoint; endpoints are: ${list(ENDPOINTS)}`);
    const ms = parseDurationMs(String(c.within));
    if (ms === null || ms <= 0) bad(`${at}.within`, `${JSON.stringify(c.within)} must be a positive duration like '10s'`);
    const judging = Array.isArray(slos)
      ? slos.filter((o) => isRecord(o) && o.endpoint === c.endpoint && (!Array.isArray(o.phases) || o.phases.includes('recovery')))
      : [];
    if (ENDPOINTS.includes(c.endpoint as (typeof ENDPOINTS)[number]) && judging.length === 0)
      bad(
        `${at}.endpoint`,
        `${JSON.stringify(c.endpoint)} has no SLO that holds in the recovery phase: recovery is judged on those, so give one (or leave its phases out)`,
      );
    return;
  }
  for (const p of unknownFields(c, ['kind', 'dependency', 'max', 'phase', 'per'], 'retryAmplification')) bad(`${at}.${p.field}`, p.text);
  if (c.per !== undefined && !AMPLIFICATION_PER.includes(c.per as (typeof AMPLIFICATION_PER)[number]))
    bad(`${at}.per`, `${JSON.stringify(c.per)} is not a denominator; give one of ${list(AMPLIFICATION_PER)}`);
  const called = dependencies(system);
  needs('retryAmplification', c.per === 'call' ? ['calls', 'retries'] : ['calls', 'requests']);
  if (!called.includes(c.dependency as string))
    bad(`${at}.dependency`, `${JSON.stringify(c.dependency)} is not a dependency; dependencies are: ${list(called)}`);
  if (typeof c.max !== 'number' || !(c.max >= 1)) bad(`${at}.max`, `${JSON.stringify(c.max)} must be a number of calls per request >= 1`);
  if (c.phase !== undefined && !PHASES.includes(c.phase as PhaseName))
    bad(`${at}.phase`, `${JSON.stringify(c.phase)} is not a phase; phases are: ${list(PHASES)}`);
}

function checkShares(value: unknown, field: string, allowed: readonly string[], bad: (field: string, text: string) => void, required: boolean): void {
  if (!isRecord(value) || Object.keys(value).length === 0) {
    if (required) bad(field, `must give a share per name; names are: ${list(allowed)}`);
    return;
  }
  for (const [key, share] of Object.entries(value)) {
    if (!allowed.includes(key)) bad(`${field}["${key}"]`, `is not known; allowed: ${list(allowed)}`);
    if (typeof share !== 'number' || !(share > 0)) bad(`${field}["${key}"]`, `share ${JSON.stringify(share)} must be a positive number`);
  }
}
