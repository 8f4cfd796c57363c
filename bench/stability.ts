// Verdicts that a repeat would not flip (issue 15): runs each scenario N times with its protection
// and N times with it off (--ablate), and prints per scenario the verdicts, how many runs disagree
// with the most common verdict (flipped), and the margin of the closest check, measured − objective
// in standard errors (positive: on the passing side). Each run is one CLI process; with
// FAULTLINE_HEAVY_LOCK set, each takes that lock file (flock) for itself only, so other heavy work
// can interleave between runs.
//   npm run bench -- stability [--repeats N] [--runtime local|docker] [--confidence C] [scenario...]

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { HARNESS_NODE_FLAGS } from '../harness/node-flags.ts';
import { PROJECT_ROOT } from '../harness/paths.ts';
import type { CheckResult, RunResult } from '../harness/types.ts';
import type { AblationOutcome } from '../harness/verdict/ablation.ts';

const say = (line: string): void => void process.stdout.write(`${line}\n`);
const DEFAULT_SCENARIOS = ['payments-packet-loss', 'poison-pill', 'postgres-latency'];

interface Run {
  verdict: string;
  /** ablated runs: the ablation was proven */
  proven?: boolean;
  /** ablated runs: why (proven or not) */
  why?: string;
  checks: CheckResult[];
  wallMs: number;
}

/** One CLI run; the JSON result it prints, or why there is none. */
async function runOnce(scenario: string, ablate: boolean, runtime: string, confidence: string, reportDir: string): Promise<Run | string> {
  const cli = [process.execPath, ...HARNESS_NODE_FLAGS, join(PROJECT_ROOT, 'harness/cli.ts')]; // as `npm run chaos`
  const args = [scenario, '--runtime', runtime, '--json', '--confidence', confidence, '--report-dir', reportDir, ...(ablate ? ['--ablate'] : [])];
  const lock = process.env.FAULTLINE_HEAVY_LOCK;
  const [command, ...rest] = lock ? ['flock', lock, ...cli, ...args] : [...cli, ...args];
  const child = spawn(command as string, rest, { stdio: ['ignore', 'pipe', 'pipe'], cwd: PROJECT_ROOT });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => void (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => void (err += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code === 2 || code === null) return `exit ${code}: ${err.trim().split('\n').slice(-3).join(' | ')}`;
  try {
    const parsed = JSON.parse(out) as RunResult | { ablations: AblationOutcome[]; results: RunResult[] };
    if ('ablations' in parsed) {
      const r = parsed.results[0] as RunResult;
      return { verdict: r.verdict, proven: parsed.ablations[0]?.proven === true, why: parsed.ablations[0]?.why ?? '', checks: r.checks, wallMs: r.wallMs };
    }
    return { verdict: parsed.verdict, checks: parsed.checks, wallMs: parsed.wallMs };
  } catch {
    return `no JSON result (exit ${code}): ${err.trim().split('\n').slice(-2).join(' | ')}`;
  }
}

const label = (c: CheckResult): string => `${c.name}${c.phase ? ` [${c.phase}${c.endpoint ? ` ${c.endpoint}` : ''}]` : ''}`;

const failures = (run: Run): string =>
  run.checks
    .filter((c) => c.status !== 'pass')
    .slice(0, 3)
    .map((c) => `${label(c)} ${c.measured} vs ${c.threshold}${c.marginal ? ' (marginal)' : ''}`)
    .join('; ');

/** Runs that disagree with the most common outcome. */
function flipped(outcomes: readonly string[]): number {
  const counts = new Map<string, number>();
  for (const o of outcomes) counts.set(o, (counts.get(o) ?? 0) + 1);
  return outcomes.length - Math.max(0, ...counts.values());
}

const tally = (outcomes: readonly string[]): string => [...new Set(outcomes)].map((o) => `${o}×${outcomes.filter((x) => x === o).length}`).join(' ') || '–';

/** The check closest to its objective over every run (smallest |margin| in standard errors), and its margin. */
function closest(runs: readonly Run[], pick: (c: CheckResult) => boolean): { margin: number; check: string; marginal: number } | null {
  let best: { margin: number; check: string; marginal: number } | null = null;
  let marginal = 0;
  for (const r of runs)
    for (const c of r.checks) {
      if (!pick(c) || c.marginSe === undefined) continue;
      if (c.marginal === true) marginal++;
      if (best === null || Math.abs(c.marginSe) < Math.abs(best.margin)) best = { margin: c.marginSe, check: label(c), marginal: 0 };
    }
  return best === null ? null : { ...best, marginal };
}

const se = (m: { margin: number; check: string; marginal: number } | null): string =>
  m === null ? 'no interval' : `${m.margin >= 0 ? '+' : ''}${m.margin.toFixed(1)} SE (${m.check}); marginal checks: ${m.marginal}`;

export async function benchStability(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      repeats: { type: 'string', default: '5' },
      runtime: { type: 'string', default: 'local' },
      confidence: { type: 'string', default: '0.95' },
    },
  });
  const repeats = Number(values.repeats);
  if (!Number.isInteger(repeats) || repeats < 1) throw new Error(`--repeats ${values.repeats} must be a whole number >= 1`);
  const scenarios = positionals.length > 0 ? positionals : DEFAULT_SCENARIOS;
  const scratch = mkdtempSync(join(tmpdir(), 'faultline-stability-'));
  const rows: string[] = [];
  let allStable = true;
  try {
    say(
      `stability: ${repeats} runs with protection and ${repeats} with it off (--ablate) per scenario, ${values.runtime} runtime, intervals at ${values.confidence}${
        process.env.FAULTLINE_HEAVY_LOCK ? `; each run holds ${process.env.FAULTLINE_HEAVY_LOCK}` : ''
      }`,
    );
    const runs = new Map(scenarios.map((s) => [s, { protectedRuns: [] as Run[], ablatedRuns: [] as Run[], errors: [] as string[] }]));
    // SIGINT/SIGTERM: finish the run in progress, then print the table of what ran
    let stopping = false;
    const stop = (): void => {
      stopping = true;
      say('  stopping after the run in progress; the table covers the runs so far');
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    // round robin: repeat i of every scenario, protected then ablated, so a slow spell on the
    // machine (or a stop) hits every scenario and both sides alike
    for (let i = 0; i < repeats && !stopping; i++)
      for (const scenario of scenarios)
        for (const ablate of [false, true]) {
          if (stopping) break;
          const own = runs.get(scenario) as { protectedRuns: Run[]; ablatedRuns: Run[]; errors: string[] };
          const run = await runOnce(scenario, ablate, values.runtime, values.confidence, scratch);
          if (typeof run === 'string') {
            own.errors.push(run);
            say(`  ${scenario} ${ablate ? 'ablated' : 'protected'} #${i + 1}: harness error: ${run}`);
            continue;
          }
          (ablate ? own.ablatedRuns : own.protectedRuns).push(run);
          say(
            `  ${scenario} ${ablate ? 'ablated  ' : 'protected'} #${i + 1}: ${run.verdict.toUpperCase()}${ablate ? (run.proven ? ', proven' : ', NOT proven') : ''} in ${(run.wallMs / 1000).toFixed(1)} s${
              ablate && !run.proven ? `: ${run.why}` : !ablate && run.verdict !== 'pass' ? `: ${failures(run)}` : ''
            }`,
          );
        }
    for (const [scenario, { protectedRuns, ablatedRuns, errors }] of runs) {
      const verdicts = protectedRuns.map((r) => r.verdict.toUpperCase());
      const proofs = ablatedRuns.map((r) => (r.proven ? 'proven' : 'NOT-proven'));
      const flips = flipped(verdicts) + flipped(proofs);
      if (flips > 0 || errors.length > 0 || verdicts.some((v) => v !== 'PASS') || proofs.some((p) => p !== 'proven')) allStable = false;
      const near = closest(protectedRuns, (c) => c.status !== 'inconclusive');
      // an ablation's proof is the failing check where the fault acts; its weakest run is the closest to passing
      const proof = closest(ablatedRuns, (c) => c.status === 'fail' && c.marginal !== true && (c.phase === 'fault' || c.phase === 'recovery'));
      rows.push(
        `${scenario.padEnd(22)} protected ${tally(verdicts).padEnd(14)} flipped ${flipped(verdicts)}  closest ${se(near)}`,
        `${''.padEnd(22)} ablated   ${tally(proofs).padEnd(14)} flipped ${flipped(proofs)}  weakest proof ${se(proof)}${errors.length ? `; ${errors.length} harness errors` : ''}`,
      );
    }
    say('');
    for (const row of rows) say(row);
    say(allStable ? 'stable: no verdict flipped, every ablation proven' : 'NOT stable: see the rows above');
    if (!allStable) process.exitCode = 1;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
