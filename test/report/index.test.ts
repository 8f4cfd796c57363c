import { mkdir, mkdtemp, readdir, readFile, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pointLatest, writeReports } from '../../harness/report/index.ts';
import { makeRunResult } from './fixture.ts';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'faultline-report-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('writeReports', () => {
  it('writes report.html, junit.xml and result.json into the run folder and returns their paths', async () => {
    const runDir = join(root, 'run-1');
    const paths = await writeReports(runDir, makeRunResult());
    expect(paths).toEqual({ html: join(runDir, 'report.html'), junit: join(runDir, 'junit.xml'), json: join(runDir, 'result.json') });
    expect(await readFile(paths.html, 'utf8')).toMatch(/^<!doctype html>/);
    expect(await readFile(paths.junit, 'utf8')).toMatch(/^<\?xml/);
    expect(JSON.parse(await readFile(paths.json, 'utf8')).runId).toBe(makeRunResult().runId);
    expect((await readdir(runDir)).sort()).toEqual(['junit.xml', 'report.html', 'result.json']);
  });
});

describe('pointLatest', () => {
  it('makes latest a relative link to the run folder', async () => {
    await mkdir(join(root, 'run-1'));
    await pointLatest(root, join(root, 'run-1'));
    expect(await readlink(join(root, 'latest'))).toBe('run-1');
  });

  it('replaces an existing link and leaves no temporary file behind', async () => {
    await mkdir(join(root, 'run-1'));
    await mkdir(join(root, 'run-2'));
    await writeFile(join(root, 'run-2', 'marker'), 'two');
    await pointLatest(root, join(root, 'run-1'));
    await pointLatest(root, join(root, 'run-2'));
    expect(await readlink(join(root, 'latest'))).toBe('run-2');
    expect(await readFile(join(root, 'latest', 'marker'), 'utf8')).toBe('two');
    expect((await readdir(root)).sort()).toEqual(['latest', 'run-1', 'run-2']);
  });

  it('points a named link (latest-ablation) without touching latest', async () => {
    await mkdir(join(root, 'suite-real'));
    await mkdir(join(root, 'suite-ablation'));
    await pointLatest(root, join(root, 'suite-real'));
    await pointLatest(root, join(root, 'suite-ablation'), 'latest-ablation');
    expect(await readlink(join(root, 'latest'))).toBe('suite-real');
    expect(await readlink(join(root, 'latest-ablation'))).toBe('suite-ablation');
  });

  it('replaces a dangling link too', async () => {
    await symlink('gone', join(root, 'latest'));
    await mkdir(join(root, 'run-3'));
    await pointLatest(root, join(root, 'run-3'));
    expect(await readlink(join(root, 'latest'))).toBe('run-3');
  });

  it('refuses to replace a real folder named latest, and cleans up after itself', async () => {
    await mkdir(join(root, 'latest'));
    await writeFile(join(root, 'latest', 'keep'), 'x');
    await mkdir(join(root, 'run-1'));
    await expect(pointLatest(root, join(root, 'run-1'))).rejects.toThrow(/could not point/);
    expect((await readdir(root)).sort()).toEqual(['latest', 'run-1']);
  });
});
