// `faultline <command>` (`npx faultline run <scenario>`; in this repository also `npm run chaos --
// <scenario...>`): the only module that prints. Exit codes: 0 every verdict passed; 1 a check
// failed or the run was inconclusive; 2 the harness itself failed (bad input, missing tool, stack
// did not boot); 130 interrupted (after cleaning up).

import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Chalk } from 'chalk';
import { loadConfig } from './config.ts';
import { loadScenarios, openCatalog, scenarioNames } from './discovery.ts';
import { formatMs } from './duration.ts';
import { HarnessError } from './paths.ts';
import { preflight } from './preflight.ts';
import { appendSummary, type FinishedRun, pointLatest, suiteVerdict, writeSuiteReports } from './report/index.ts';
import { intervalText, MARGINAL_TEXT } from './report/text.ts';
import { newRunId, type ProgressEvent, runScenario } from './run.ts';
import { cleanupDockerIfEngine, getRuntime, RUNTIME_NAMES, type RuntimeName } from './runtime/index.ts';
import { cleanupLeftovers } from './runtime/ledger.ts';
import { runtimeProblems, type Scenario, ScenarioError } from './scenario.ts';
import { SystemError } from './system/validate.ts';
import type { CheckResult, RunResult } from './types.ts';
import { type AblationOutcome, ablationOutcome } from './verdict/ablation.ts';

export { type AblationOutcome, ablationOutcome } from './verdict/ablation.ts';

/** how the user started us: `npx faultline` (the bin) or, in this repository, `npm run chaos --` */
const ME = process.env.FAULTLINE_BIN === 'faultline' ? 'npx faultline' : 'npm run chaos --';

const USAGE = `usage: ${ME} run <scenario|file.ts...> [options]   run scenarios (by name, or a scenario file)
       ${ME} run --all [--system <name>]       run every scenario the config finds
       ${ME} list [--system <name>]            list the scenarios with their systems
       ${ME} ablate [<scenario...>]            each scenario with its protection off must fail (default: all)
       ${ME} init --from docker-compose.yml    write a starter system.ts, scenario and faultline.config.ts
       ${ME} setup                             build Toxiproxy and k6 into ~/.cache/faultline, start Docker, build images
       ${ME} --help
  \`run\` may be left out: \`${ME} <scenario>\`, \`--all\`, \`--list\` and \`--ablate\` work as before.

Systems and scenarios are found through faultline.config.ts (its systems and scenarios globs),
the nearest one at or above this folder.

options:
  --all                 run every scenario (of --system, when given)
  --list                list the scenarios with their systems and descriptions
  --system <name>       with --all or --list: only the scenarios of this system
  --config <file>       the faultline.config.ts to use (default: the nearest one at or above this folder)
  --ablate              run each scenario with its protectedBy patterns switched off: it must
                        FAIL on a check (exit 0 when every one does; 1 when one still passes or is
                        inconclusive: that scenario proves nothing about its patterns); it points
                        reports/latest-ablation at its runs and leaves reports/latest alone
  --runtime <name>      auto | docker | local (default auto: docker when an engine answers and the images are built, else local)
  --seed <n>            seed of the load mix (default: random, printed for replay)
  --disable <patterns>  comma list of resilience patterns to switch off, as the scenario's system names them
                        in its switches (the shop: timeout, retry, breaker, fallback, ...; --list shows each system's)
  --confidence <c>      confidence of every check's interval, in (0.5, 1) (default 0.95): a check whose
                        interval straddles its objective is marginal (a repeat could flip it)
  --strict              count a marginal check as failed (default: by its point estimate)
  --keep-up             leave the stack running after the run (Ctrl-C stops it)
  --runners <n>         split the load over n k6 processes (k6 execution segments), all streaming into
                        one recording judged as one run (default 1)
  --report-dir <dir>    where run folders go (default: the config's reports folder)
  --json                print one JSON result on stdout, nothing else
  -h, --help            this text

environment:
  FAULTLINE_CACHE_DIR   where setup builds the tools and the harness finds them (default ~/.cache/faultline,
                        or $XDG_CACHE_HOME/faultline); shared by every project on the machine
  FAULTLINE_ALLOW_TARGETS=<host,...>
                        hosts besides 127.0.0.1 / ::1 that load and faults may be sent to (any
                        other target is refused); a run with it set warns before it starts and
                        records in result.json (allowedTargets) which targets it let through`;

export class UsageError extends HarnessError {}

/** more k6 processes than this on one machine only fight over its cores */
const MAX_RUNNERS = 16;

export interface CliOptions {
  names: string[];
  all: boolean;
  system?: string;
  /** the config file (--config); default: the nearest faultline.config.ts */
  config?: string;
  list: boolean;
  ablate: boolean;
  runtime: string;
  seed: number;
  disabled: string[];
  keepUp: boolean;
  /** the confidence of every check's interval (--confidence, default 0.95) */
  confidence: number;
  /** a marginal check counts as failed (--strict) */
  strict: boolean;
  /** k6 processes sharing each scenario's load */
  runners: number;
  /** undefined: the config's reports folder */
  reportsDir?: string;
  json: boolean;
  help: boolean;
}

/** The flags as node:util parses them (throws on an unknown flag or a value where none goes). */
const parseCliArgs = (argv: string[]) =>
  parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      all: { type: 'boolean', default: false },
      list: { type: 'boolean', default: false },
      system: { type: 'string' },
      config: { type: 'string' },
      ablate: { type: 'boolean', default: false },
      runtime: { type: 'string', default: 'auto' },
      seed: { type: 'string' },
      disable: { type: 'string', default: '' },
      'keep-up': { type: 'boolean', default: false },
      confidence: { type: 'string', default: '0.95' },
      strict: { type: 'boolean', default: false },
      runners: { type: 'string', default: '1' },
      'report-dir': { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });

export function parseCli(argv: string[]): CliOptions {
  let parsed: ReturnType<typeof parseCliArgs>;
  try {
    parsed = parseCliArgs(argv);
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${USAGE}`);
  }
  const v = parsed.values;
  const runtimes: readonly string[] = RUNTIME_NAMES;
  if (!runtimes.includes(v.runtime)) throw new UsageError(`--runtime "${v.runtime}" is not a runtime; runtimes are: ${runtimes.join(', ')}`);
  const seed = v.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : /^\d+$/.test(v.seed.trim()) ? Number(v.seed) : NaN;
  if (!Number.isSafeInteger(seed) || seed < 0 || seed >= 2 ** 31) throw new UsageError(`--seed "${v.seed}" must be a whole number in 0..${2 ** 31 - 1}`);
  const confidence = /^0?\.\d+$/.test(v.confidence.trim()) ? Number(v.confidence) : NaN;
  if (!(confidence > 0.5 && confidence < 1)) throw new UsageError(`--confidence "${v.confidence}" must be a share in (0.5, 1), e.g. 0.95 or 0.99`);
  const runners = /^\d+$/.test(v.runners.trim()) ? Number(v.runners) : NaN;
  if (!Number.isInteger(runners) || runners < 1 || runners > MAX_RUNNERS)
    throw new UsageError(`--runners "${v.runners}" must be a whole number in 1..${MAX_RUNNERS}`);
  const disabled = v.disable
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const options = {
    names: parsed.positionals,
    all: v.all,
    list: v.list,
    ...(v.system === undefined ? {} : { system: v.system }),
    ...(v.config === undefined ? {} : { config: resolve(v.config) }),
    ablate: v.ablate,
    runtime: v.runtime,
    seed,
    disabled,
    keepUp: v['keep-up'],
    confidence,
    strict: v.strict,
    runners,
    ...(v['report-dir'] === undefined ? {} : { reportsDir: resolve(v['report-dir']) }),
    json: v.json,
    help: v.help,
  };
  if (options.system !== undefined && !options.all && !options.list)
    throw new UsageError('--system picks the scenarios of --all or --list; with named scenarios, each names its own system');
  if (!options.help && !options.list && !options.all && options.names.length === 0) throw new UsageError(`name a scenario, or use --all or --list\n${USAGE}`);
  if ((options.all || options.list) && options.names.length > 0)
    throw new UsageError(`--${options.all ? 'all' : 'list'} takes no scenario names (got ${options.names.join(' ')}); give one or the other`);
  if (options.keepUp && (options.all || options.names.length !== 1)) throw new UsageError('--keep-up keeps one stack up: name exactly one scenario');
  if (options.ablate && options.list) throw new UsageError('--ablate runs scenarios; --list only lists them: give one or the other');
  return options;
}

/** Colours only on a terminal, and never with NO_COLOR set (https://no-color.org) or TERM=dumb. */
export function colourEnabled(env: Record<string, string | undefined>, isTTY: boolean | undefined): boolean {
  return isTTY === true && !env.NO_COLOR && env.TERM !== 'dumb';
}

// chalk with our rules, not its own detection: each stream by its own terminal (`--json > out.json`
// on a terminal keeps red warnings; `2> log` gets none); level 1 is the 16 basic colours
const out16 = new Chalk({ level: colourEnabled(process.env, process.stdout.isTTY) ? 1 : 0 });
const err16 = new Chalk({ level: colourEnabled(process.env, process.stderr.isTTY) ? 1 : 0 });
/** A warning as printed on stderr: red only when stderr is a terminal. */
export const warningLine = (text: string): string => err16.red(text);
const STATUS_COLOUR = { pass: out16.green, fail: out16.red, inconclusive: out16.yellow } as const;
const badge = (status: 'pass' | 'fail' | 'inconclusive'): string => STATUS_COLOUR[status](status.toUpperCase().padEnd(12));

function checkLine(c: CheckResult): string {
  const where = [c.phase, c.endpoint].filter(Boolean).join(' ');
  const interval = c.interval === undefined ? '' : `, interval ${intervalText(c.interval, c.unit)}`;
  const figures = c.measured === null ? 'no measurement' : `measured ${c.measured} ${c.unit}${interval}, threshold ${c.threshold}`;
  const marginal = c.marginal === true ? ` ${out16.yellow(`(${MARGINAL_TEXT})`)}` : '';
  return `  ${badge(c.status)} ${c.name}${where ? ` [${where}]` : ''}: ${figures}${marginal}\n               ${c.why}`;
}

/** "; 2 checks marginal: a repeat could flip them (strict: counted as failed)", or nothing. */
export function marginalSummary(result: RunResult): string {
  const n = result.checks.filter((c) => c.marginal === true).length;
  if (n === 0) return '';
  const counted = result.judgement?.strict === true ? 'counted as failed (--strict)' : `counted by ${n === 1 ? 'its' : 'their'} point estimate`;
  return `; ${n} check${n === 1 ? '' : 's'} marginal at ${(result.judgement?.confidence ?? 0.95) * 100}%: a repeat could flip ${n === 1 ? 'it' : 'them'} (${counted})`;
}

function printResult(result: RunResult, runDir: string, out: (s: string) => void): void {
  out('');
  for (const s of result.summaries)
    out(
      `  ${s.phase.padEnd(9)} ${s.endpoint.padEnd(18)} ok ${String(s.ok).padStart(5)}  degraded ${String(s.degraded).padStart(5)}  error ${String(s.error).padStart(5)}  p50 ${fmt(s.p50Ms)}  p99 ${fmt(s.p99Ms)}`,
    );
  out('');
  const order = { fail: 0, inconclusive: 1, pass: 2 };
  for (const c of [...result.checks].sort((a, b) => order[a.status] - order[b.status])) out(checkLine(c));
  out('');
  out(
    `${badge(result.verdict)} ${result.scenario.name} in ${formatMs(result.wallMs)} (boot ${formatMs(result.bootMs)})${marginalSummary(result)}; report: ${runDir}/report.html`,
  );
  if (result.verdict !== 'pass') out(`  replay: ${result.replay}`);
  if (result.allowedTargets && result.allowedTargets.used.length > 0)
    out(out16.red(`  WARNING: sent outside loopback, allowed by FAULTLINE_ALLOW_TARGETS: ${result.allowedTargets.used.join('; ')}`));
}

const fmt = (ms: number | null): string => (ms === null ? '     –' : `${ms.toFixed(1).padStart(6)} ms`);

/** A summary that cannot be written is worth a warning, not a different exit code. */
async function writeStepSummary(
  file: string,
  runs: readonly FinishedRun[],
  ablations: readonly AblationOutcome[],
  suiteDir: string | undefined,
  err: (s: string) => void,
): Promise<void> {
  const shown = (path: string): string => relative(process.cwd(), path) || path;
  const { GITHUB_SERVER_URL: server, GITHUB_REPOSITORY: repo, GITHUB_RUN_ID: id } = process.env;
  const options = {
    ...(server && repo && id ? { artifactUrl: `${server}/${repo}/actions/runs/${id}` } : {}),
    ...(suiteDir ? { indexPath: shown(join(suiteDir, 'index.html')) } : {}),
  };
  const entries = runs.map((r, i) => ({
    result: r.result,
    reportPath: shown(join(r.runDir, 'report.html')),
    ...(ablations[i] === undefined ? {} : { ablation: ablations[i] }),
  }));
  await appendSummary(file, entries, options).catch((error: Error) => err(`faultline: could not write the step summary to ${file}: ${error.message}`));
}

/** Live progress on stderr: one line rewritten in place on a terminal, a line every 5 s otherwise. */
function progressRenderer(err: (s: string) => void): (event: ProgressEvent) => void {
  const tty = process.stderr.isTTY === true;
  let lastPrintedMs = -Infinity;
  let inPlace = false;
  return (event) => {
    if (event.type === 'line') {
      if (inPlace) process.stderr.write('\n');
      inPlace = false;
      return err(`  ${event.text}`);
    }
    if (!tty && event.elapsedMs - lastPrintedMs < 5000) return;
    lastPrintedMs = event.elapsedMs;
    const errorRate = event.requests === 0 ? 0 : (event.errors / event.requests) * 100;
    const text = `  [${formatMs(event.elapsedMs).padStart(7)} / ${formatMs(event.durationMs)}] ${event.phase.padEnd(8)} ${event.requests} requests, ${event.degraded} degraded, ${event.errors} errors (${errorRate.toFixed(1)}%)`;
    if (tty) {
      process.stderr.write(`\r\x1b[2K${text}`);
      inPlace = true;
    } else err(text);
  };
}

/** --disable must name patterns of every scenario's system (a UsageError naming each it does not). */
function disabledProblems(scenarios: readonly Scenario[], disabled: readonly string[]): void {
  for (const system of new Set(scenarios.map((s) => s.system))) {
    const unknown = disabled.filter((d) => !(d in system.patterns));
    if (unknown.length > 0)
      throw new UsageError(
        `--disable "${unknown.join(',')}" names no pattern of system ${system.name}; its patterns are: ${Object.keys(system.patterns).join(', ') || '(none)'}`,
      );
  }
}

/** The patterns an ablation run switches off: the scenario's protectedBy, plus any --disable. */
export function ablatedPatterns(protectedBy: readonly string[], extra: readonly string[]): string[] {
  return [...new Set([...protectedBy, ...extra])];
}

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}

const STDIO: CliIo = { out: (s) => void process.stdout.write(`${s}\n`), err: (s) => void process.stderr.write(`${s}\n`) };

/** The commands; a first word that is none of them is a scenario name (or a flag): `run` is the default. */
export const COMMANDS = ['run', 'list', 'ablate', 'init', 'setup', 'help'] as const;

export async function main(argv: string[], io: CliIo = STDIO): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'run':
      return runCommand(rest, io);
    case 'list':
      return runCommand(['--list', ...rest], io);
    case 'ablate':
      return runCommand(['--ablate', ...ablateArgs(rest)], io);
    case 'help':
      return (io.out(USAGE), 0);
    case 'setup': {
      const { setup } = await import('./setup.ts');
      return setup(rest, io.err);
    }
    case 'init': {
      const { initCommand } = await import('./init.ts');
      return initCommand(rest, io);
    }
    default:
      return runCommand(argv, io);
  }
}

/** `ablate` with no scenario named and no --all means every scenario. */
export function ablateArgs(rest: string[]): string[] {
  try {
    const parsed = parseCliArgs(rest);
    return parsed.positionals.length === 0 && !parsed.values.all && !parsed.values.help ? ['--all', ...rest] : rest;
  } catch {
    return rest; // parseCli says what is wrong
  }
}

async function runCommand(argv: string[], io: CliIo): Promise<number> {
  const { out, err } = io;
  const abort = new AbortController();
  let signals = 0;
  const onSignal = (name: NodeJS.Signals): void => {
    signals++;
    err(signals === 1 ? `\n${name}: cleaning up (faults, load, stack)...` : `${name} again: still cleaning up so nothing is left behind; please wait`);
    abort.abort();
  };
  // Handled, not default: a second Ctrl-C (or a closed terminal) must not kill us mid-cleanup.
  const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const name of SIGNALS) process.on(name, onSignal);
  // Last resort: an error nothing caught (a timer, a stream, a promise nobody awaited) takes the
  // signals' path (stop load, remove faults, stop the stack) and ends the run with exit 2.
  let fatal: { error: unknown } | undefined;
  const onFatal = (error: unknown): void => {
    process.exitCode = 2; // even if the run's own promise never settles again
    if (fatal !== undefined) return err(`faultline: another uncaught error while cleaning up: ${(error as Error)?.message ?? String(error)}`);
    fatal = { error };
    err(`faultline: uncaught error: ${(error as Error)?.stack ?? String(error)}\ncleaning up (faults, load, stack)...`);
    abort.abort();
  };
  process.on('uncaughtException', onFatal);
  process.on('unhandledRejection', onFatal);
  // A reader that went away (`| head`, a closed terminal, a CI log pipe torn down) fails our writes
  // with EPIPE. Unheard, that error is uncaught, and its report, written to the same closed stream,
  // fails again: the harness spun at 100 % CPU and never cleaned up. Heard here, it is only lost
  // output: the run goes on, removes its faults and exits with its verdict's code.
  const lostOutput = (): void => undefined;
  process.stdout.on('error', lostOutput);
  process.stderr.on('error', lostOutput);
  try {
    const options = parseCli(argv);
    if (options.help) return (out(USAGE), 0);
    const config = await loadConfig(options.config);
    const catalog = await openCatalog(config);
    const reportsDir = options.reportsDir ?? config.reportsDir;
    const names = options.all || options.list ? await scenarioNames(catalog, options.system) : options.names;
    const scenarios = await loadScenarios(names, catalog);
    if (options.list) {
      for (const s of scenarios) out(`${s.name.padEnd(24)} ${s.system.name.padEnd(8)} ${s.description}`);
      for (const system of new Set(scenarios.map((s) => s.system))) out(`\n${system.name}: patterns ${Object.keys(system.patterns).join(', ') || '(none)'}`);
      return 0;
    }
    disabledProblems(scenarios, options.disabled);
    const runtime = await getRuntime(options.runtime as RuntimeName, err);
    const unsupported = scenarios.flatMap((s) => runtimeProblems(s, runtime.name));
    if (unsupported.length > 0) throw new ScenarioError(unsupported);
    for (const warning of await preflight(runtime, [...new Set(scenarios.map((s) => s.system))], reportsDir)) err(warningLine(warning));
    for (const found of await cleanupLeftovers((l) => err(`  ${l}`))) err(`  cleaned up: ${found}`);
    // the docker runtime cleans up as it boots; a local run removes killed docker runs' leftovers here
    if (runtime.name === 'local') for (const found of await cleanupDockerIfEngine((l) => err(`  ${l}`))) err(`  cleaned up: ${found}`);
    const results: RunResult[] = [];
    const runs: FinishedRun[] = [];
    // several scenarios make a suite: reports/<suite-id>/ holds their run folders, index.html and one junit.xml
    const suiteDir = options.all || scenarios.length > 1 ? join(reportsDir, newRunId('suite')) : undefined;
    for (const scenario of scenarios) {
      if (abort.signal.aborted) break;
      const { result, runDir, stack } = await runScenario({
        scenario,
        runtime,
        disabled: options.ablate ? ablatedPatterns(scenario.protectedBy, options.disabled) : options.disabled,
        seed: options.seed,
        reportsDir: suiteDir ?? reportsDir,
        signal: abort.signal,
        keepUp: options.keepUp,
        confidence: options.confidence,
        strict: options.strict,
        runners: options.runners,
        progress: options.json ? () => undefined : progressRenderer(err),
      });
      results.push(result);
      runs.push({ result, runDir });
      if (suiteDir !== undefined) await writeSuiteReports(suiteDir, runs);
      // an ablation's failures are expected: reports/latest (what a JUnit reporter reads) stays on the last real run
      await pointLatest(reportsDir, suiteDir ?? runDir, options.ablate ? 'latest-ablation' : 'latest');
      if (!options.json) printResult(result, runDir, out);
      if (stack !== undefined) {
        err(`stack kept up: ${stack.system.entry} ${stack.entryUrl}, toxiproxy ${stack.toxiproxyUrl}; Ctrl-C stops it`);
        await new Promise<void>((r) => abort.signal.addEventListener('abort', () => r(), { once: true }));
        await stack.stop();
      }
    }
    if (suiteDir !== undefined && !options.json && !options.ablate)
      out(`${badge(suiteVerdict(results))} suite of ${results.length}: ${suiteDir}/index.html, ${suiteDir}/junit.xml`);
    const ablations = options.ablate ? results.map(ablationOutcome) : [];
    if (process.env.GITHUB_STEP_SUMMARY) await writeStepSummary(process.env.GITHUB_STEP_SUMMARY, runs, ablations, suiteDir, err);
    if (options.ablate && !options.json) {
      out('');
      out(`ablation: each scenario with its protectedBy patterns off must fail on a check`);
      for (const a of ablations) out(`  ${badge(a.proven ? 'pass' : 'fail')} ${a.scenario.padEnd(24)} --disable ${a.disabled.join(',').padEnd(28)} ${a.why}`);
      const proven = ablations.filter((a) => a.proven).length;
      out(
        `${badge(proven === ablations.length ? 'pass' : 'fail')} ablation: ${proven} of ${ablations.length} scenarios fail with their protection off${suiteDir ? `; runs: ${suiteDir}/index.html` : ''}`,
      );
    }
    if (options.json) out(JSON.stringify(options.ablate ? { ablations, results } : suiteDir === undefined && results.length === 1 ? results[0] : results));
    if (fatal !== undefined) return 2;
    if (abort.signal.aborted) return 130;
    if (options.ablate) return ablations.every((a) => a.proven) ? 0 : 1;
    return results.every((r) => r.verdict === 'pass') ? 0 : 1;
  } catch (error) {
    if (fatal !== undefined) {
      err(
        `faultline: stopped after an uncaught error; everything the run started was stopped${error instanceof Error && error !== fatal.error ? ` (then: ${error.message})` : ''}`,
      );
      return 2;
    }
    if (abort.signal.aborted) {
      err(`interrupted; everything the run started was stopped`);
      return 130;
    }
    if (error instanceof ScenarioError) err(`faultline: invalid scenario:\n${error.problems.map((p) => `  ${p}`).join('\n')}`);
    else if (error instanceof SystemError) err(`faultline: invalid system:\n${error.problems.map((p) => `  ${p}`).join('\n')}`);
    else if (error instanceof HarnessError) err(`faultline: ${error.message}`);
    else err(`faultline: harness error: ${(error as Error).stack ?? String(error)}`);
    return 2;
  } finally {
    for (const name of SIGNALS) process.off(name, onSignal);
    process.off('uncaughtException', onFatal);
    process.off('unhandledRejection', onFatal);
    process.stdout.off('error', lostOutput);
    process.stderr.off('error', lostOutput);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`faultline: ${String(error)}\n`);
      process.exit(2);
    },
  );
}
