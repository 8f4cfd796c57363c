// The only report code that touches the disk: writes a run's three reports into its folder, a
// suite's index and junit.xml into the suite's folder, appends the CI step summary, and points
// reports/latest at the newest run or suite. Each file is written to a temporary name and renamed, so a reader
// (a CI step, a browser reloading) never sees half a report.

import { randomBytes } from 'node:crypto';
import { appendFile, mkdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import type { RunResult } from '../types.ts';
import { renderHtml } from './html.ts';
import { renderJson } from './json.ts';
import { renderJunit } from './junit.ts';
import { renderIndex } from './suite.ts';
import { renderSummary, type SummaryEntry, type SummaryOptions } from './summary.ts';

export { renderHtml } from './html.ts';
export { renderJson } from './json.ts';
export { renderJunit } from './junit.ts';
export { renderIndex, suiteVerdict } from './suite.ts';
export { renderSummary } from './summary.ts';

export interface ReportPaths {
  html: string;
  junit: string;
  json: string;
}

const tempName = (path: string): string => join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);

async function writeAtomically(path: string, text: string): Promise<void> {
  const temp = tempName(path);
  try {
    await writeFile(temp, text, 'utf8');
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/** Writes report.html, junit.xml and result.json into runDir (created if missing). */
export async function writeReports(runDir: string, result: RunResult): Promise<ReportPaths> {
  await mkdir(runDir, { recursive: true });
  const paths: ReportPaths = { html: join(runDir, 'report.html'), junit: join(runDir, 'junit.xml'), json: join(runDir, 'result.json') };
  // result.json first: it is the record the other two are views of
  await writeAtomically(paths.json, renderJson(result));
  await writeAtomically(paths.junit, renderJunit([result]));
  await writeAtomically(paths.html, renderHtml(result));
  return paths;
}

export interface FinishedRun {
  result: RunResult;
  runDir: string;
}

/**
 * Writes the suite's index.html (linking each run's report.html, relative, so the folder can be
 * moved or downloaded as an artifact) and one junit.xml with a testsuite per scenario. Called
 * after every run, so an interrupted suite still has an index of what did run.
 */
export async function writeSuiteReports(suiteDir: string, runs: readonly FinishedRun[]): Promise<{ index: string; junit: string }> {
  await mkdir(suiteDir, { recursive: true });
  const paths = { index: join(suiteDir, 'index.html'), junit: join(suiteDir, 'junit.xml') };
  await writeAtomically(paths.junit, renderJunit(runs.map((r) => r.result)));
  await writeAtomically(
    paths.index,
    renderIndex(
      basename(suiteDir),
      runs.map((r) => ({ result: r.result, href: join(relative(suiteDir, r.runDir), 'report.html') })),
    ),
  );
  return paths;
}

/** Appends the Markdown summary of the runs to `file` (GitHub's $GITHUB_STEP_SUMMARY). */
export async function appendSummary(file: string, entries: readonly SummaryEntry[], options: SummaryOptions = {}): Promise<void> {
  await appendFile(file, renderSummary(entries, options), 'utf8');
}

/**
 * Makes `<reportsRoot>/latest` a relative symlink to runDir, replacing any previous link in one
 * rename, so `latest` always resolves to a complete run and survives moving the reports folder.
 * `name` picks another link (--ablate runs point `latest-ablation`, leaving `latest` alone).
 */
export async function pointLatest(reportsRoot: string, runDir: string, name = 'latest'): Promise<string> {
  await mkdir(reportsRoot, { recursive: true });
  const latest = join(reportsRoot, name);
  const temp = tempName(latest);
  await symlink(relative(reportsRoot, runDir) || '.', temp, 'dir');
  try {
    await rename(temp, latest);
  } catch (error) {
    await rm(temp, { force: true });
    const why = error instanceof Error ? error.message : String(error);
    throw new Error(`could not point ${latest} at ${runDir}: ${why} (is ${latest} a real folder rather than a link?)`);
  }
  return latest;
}
