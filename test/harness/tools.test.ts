// The per-user tool cache: where it is, and that a tool's folder follows its content (a changed
// source or pin is a new folder, an unchanged one the same folder on any checkout).

import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadsAsModule } from '../../harness/team-modules.ts';
import { cacheRoot, planAsShell, sourceHash, TOOLS_SOURCE_DIR, TOXIPROXY_MODULE, toolDir, toolPath, toolPlan } from '../../harness/tools.ts';

const scratch = mkdtempSync(join(tmpdir(), 'faultline-tools-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('the tool cache', () => {
  it('is FAULTLINE_CACHE_DIR, else $XDG_CACHE_HOME/faultline, else ~/.cache/faultline', () => {
    expect(cacheRoot({ FAULTLINE_CACHE_DIR: '/x/c', XDG_CACHE_HOME: '/y', HOME: '/h' })).toBe('/x/c');
    expect(cacheRoot({ XDG_CACHE_HOME: '/y', HOME: '/h' })).toBe('/y/faultline');
    expect(cacheRoot({ HOME: '/h' })).toBe('/h/.cache/faultline');
  });

  it('names each tool folder by its pins and a hash of its sources', () => {
    const plan = toolPlan({ FAULTLINE_CACHE_DIR: '/c' });
    expect(plan.toxiproxy).toBe(`/c/toxiproxy/${plan.versions.toxiproxy}-${sourceHash(TOXIPROXY_MODULE)}`);
    // k6's key covers the output extension's sources: editing tools/xk6-faultline rebuilds k6
    const extensions = `github.com/faultline/xk6-faultline@${sourceHash(join(TOOLS_SOURCE_DIR, 'xk6-faultline'))}`;
    expect(plan.k6).toBe(`/c/k6/${plan.versions.k6}-xk6-${plan.versions.xk6}-ext-${createHash('sha256').update(extensions).digest('hex').slice(0, 16)}`);
    expect(plan.extensions).toEqual([`github.com/faultline/xk6-faultline=${join(TOOLS_SOURCE_DIR, 'xk6-faultline')}`]);
    expect(plan.xk6).toBe(`/c/xk6/${plan.versions.xk6}`);
    expect(plan.versions.k6).toMatch(/^v\d+\.\d+\.\d+$/);
  });

  it('hashes Go sources by name and bytes: a copy hashes the same, an edit or a new file does not', () => {
    const copy = join(scratch, 'toxiproxy');
    cpSync(TOXIPROXY_MODULE, copy, { recursive: true });
    const before = sourceHash(copy);
    expect(before).toBe(sourceHash(TOXIPROXY_MODULE));
    writeFileSync(join(copy, 'README.md'), 'not a source');
    expect(sourceHash(copy)).toBe(before);
    writeFileSync(join(copy, 'toxics', 'extra.go'), 'package toxics\n');
    const added = sourceHash(copy);
    expect(added).not.toBe(before);
    writeFileSync(join(copy, 'toxics', 'extra.go'), 'package toxics\n// edited\n');
    expect(sourceHash(copy)).not.toBe(added);
  });

  it('FAULTLINE_TOOLS_DIR overrides the cache; a missing tool names where it looked and the set-up command', () => {
    expect(toolDir('k6', { FAULTLINE_TOOLS_DIR: scratch })).toBe(scratch);
    expect(() => toolPath('k6', { FAULTLINE_TOOLS_DIR: scratch })).toThrow(
      `k6 is missing: looked for ${scratch}/k6 (FAULTLINE_TOOLS_DIR=${scratch}); run \`npm run setup\``,
    );
    expect(() => toolPath('toxiproxy-server', { FAULTLINE_CACHE_DIR: scratch })).toThrow(`looked for ${scratch}/toxiproxy/`);
  });

  it('gives the set-up the plan as shell assignments, quoted', () => {
    const shell = planAsShell(toolPlan({ FAULTLINE_CACHE_DIR: "/it's here" }));
    expect(shell).toContain(`FAULTLINE_CACHE='/it'\\''s here'`);
    expect(shell).toMatch(/^K6_DIR='\/it'\\''s here\/k6\/v/m);
  });
});

describe("a team's TypeScript files", () => {
  it('load as ES modules when Node took them for CommonJS, outside node_modules only', () => {
    expect(loadsAsModule('file:///team/system.ts', 'commonjs-typescript')).toBe(true);
    expect(loadsAsModule('file:///team/system.ts', 'module-typescript')).toBe(false);
    expect(loadsAsModule('file:///team/node_modules/x/a.ts', 'commonjs-typescript')).toBe(false);
    expect(loadsAsModule('file:///team/a.js', 'commonjs')).toBe(false);
  });
});
