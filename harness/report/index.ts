// The only report code that touches the disk: writes a run's three reports into its folder and
// points reports/latest at it. Each file is written to a temporary name and renamed, so a reader
// (a CI step, a browser reloading) never sees half a report.

import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import type { RunResult } from '../types.ts';
import { renderHtml } from './html.ts';
import { renderJson } from './json.ts';
import { renderJunit } from './junit.ts';

export { renderHtml } from './html.ts';
export { renderJson } from './json.ts';
export { renderJunit } from './junit.ts';

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

/**
 * Makes `<reportsRoot>/latest` a relative symlink to runDir, replacing any previous link in one
 * rename, so `latest` always resolves to a complete run and survives moving the reports folder.
 */
export async function pointLatest(reportsRoot: string, runDir: string): Promise<string> {
  await mkdir(reportsRoot, { recursive: true });
  const latest = join(reportsRoot, 'latest');
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
