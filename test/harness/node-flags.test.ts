import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HARNESS_NODE_FLAGS } from '../../harness/node-flags.ts';
import { PROJECT_ROOT } from '../../harness/paths.ts';

describe("the harness's Node options", () => {
  it('are the ones `npm run chaos`, `ablation` and `bench` start Node with', () => {
    const scripts = (JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    for (const name of ['chaos', 'ablation', 'bench']) expect(scripts[name], name).toMatch(new RegExp(`^node ${HARNESS_NODE_FLAGS.join(' ')} \\S+\\.ts`));
  });

  it('are the ones bin/faultline.js (plain JavaScript, no imports of ours) starts the harness with', () => {
    const bin = readFileSync(join(PROJECT_ROOT, 'bin', 'faultline.js'), 'utf8');
    const listed = /const HARNESS_NODE_FLAGS = (\[[^\]]*\]);/.exec(bin)?.[1];
    expect(listed).toBeDefined();
    expect(JSON.parse((listed as string).replace(/'/g, '"'))).toEqual([...HARNESS_NODE_FLAGS]);
    expect(bin).toContain('spawn(node, [...HARNESS_NODE_FLAGS, cli');
  });

  it('are options this Node accepts', async () => {
    const { spawnSync } = await import('node:child_process');
    const r = spawnSync(process.execPath, [...HARNESS_NODE_FLAGS, '-e', 'process.stdout.write(typeof gc)'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('function');
  });
});
