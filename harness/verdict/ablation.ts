// The judgement of an ablation run (a scenario with its protectedBy patterns switched off): does its
// failure prove the scenario tests those patterns? Pure: a run's result in, one outcome out.

import type { CheckResult, RunResult } from '../types.ts';
import { formatInterval, MARGINAL_NOTE } from './interval.ts';

export interface AblationOutcome {
  scenario: string;
  disabled: string[];
  /** the run failed on at least one check: the scenario does test its patterns */
  proven: boolean;
  failedChecks: string[];
  why: string;
}

/**
 * An ablation is proven only by a failed check that compared real numbers (measured and threshold
 * both finite), in a run where every fault landed, that is decided (its interval misses the
 * objective as a whole, not marginal) and that fails where the fault acts: in the fault or the
 * recovery phase (or recovery itself), never the baseline, which runs before anything is touched. A pass means the scenario does not need the
 * patterns it names (a defect of the scenario); a fault that did not land, or a "failure" that
 * measured nothing (a phase without samples), proves nothing either way.
 */
export function ablationOutcome(result: RunResult): AblationOutcome {
  const failed = result.checks.filter((c) => c.status === 'fail');
  const label = (c: CheckResult): string => `${c.name}${c.phase ? ` [${[c.phase, c.endpoint].filter(Boolean).join(' ')}]` : ''}`;
  const base = { scenario: result.scenario.name, disabled: result.disabled, failedChecks: failed.map(label) };
  const missed = result.checks.filter((c) => c.kind === 'fault' && c.status !== 'pass');
  const measuredFailures = failed.filter(comparedNumbers);
  const proving = measuredFailures.filter((c) => c.marginal !== true && actsOnFault(c, result));
  if (result.verdict === 'fail' && missed.length === 0 && proving.length > 0) {
    const first = proving[0] as CheckResult;
    const interval = first.interval === undefined ? '' : `, interval ${formatInterval(first.interval)}`;
    return {
      ...base,
      proven: true,
      why: `fails as it must: ${label(first)} measured ${first.measured} ${first.unit}, threshold ${first.threshold}${interval}${failed.length > 1 ? ` (+${failed.length - 1} more)` : ''}`,
    };
  }
  if (result.verdict === 'fail' && missed.length === 0 && measuredFailures.length > 0) {
    const first = measuredFailures[0] as CheckResult;
    const reason = first.marginal === true ? MARGINAL_NOTE : 'it failed in the baseline, before the fault was applied';
    return {
      ...base,
      proven: false,
      why: `failed only where it proves nothing about the fault: ${label(first)} measured ${first.measured} ${first.unit}, threshold ${first.threshold} (${reason})${
        measuredFailures.length > 1 ? ` (+${measuredFailures.length - 1} more like it)` : ''
      }`,
    };
  }
  if (result.verdict === 'pass')
    return { ...base, proven: false, why: 'still PASSES with its protection off: the scenario does not test the patterns it names' };
  if (missed.length > 0)
    return {
      ...base,
      proven: false,
      why: `a fault did not land, so its failure proves nothing: ${label(missed[0] as CheckResult)}: ${(missed[0] as CheckResult).why}`,
    };
  if (failed.length > 0)
    return {
      ...base,
      proven: false,
      why: `failed only on checks that measured nothing, so it proves nothing: ${label(failed[0] as CheckResult)}: ${(failed[0] as CheckResult).why}`,
    };
  const open = result.checks.filter((c) => c.status === 'inconclusive').map((c) => `${label(c)}: ${c.why}`);
  return { ...base, proven: false, why: `inconclusive, proves nothing: ${open[0] ?? 'no check failed'}` };
}

/**
 * Did the check fail where the fault acts? A check of the fault or recovery phase, or recovery
 * itself; the blast radius when one of its decided breaches is in those phases; never a check
 * of the baseline, nor one that says no phase (a system's own check counts the whole run).
 */
function actsOnFault(c: CheckResult, result: RunResult): boolean {
  if (c.kind === 'recovery') return true;
  if (c.kind === 'blast-radius')
    return result.blastRadius.some((cell) => !cell.mayBreach && cell.holds === false && cell.marginal !== true && cell.phase !== 'baseline');
  return c.phase === 'fault' || c.phase === 'recovery';
}

const comparedNumbers = (c: CheckResult): boolean => c.measured !== null && c.threshold !== null && Number.isFinite(c.measured) && Number.isFinite(c.threshold);
