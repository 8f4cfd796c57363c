import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

// what a process started with --expose-gc does (every entry point starts the harness so)
const script = `
  import { settleHeap } from ${JSON.stringify(new URL('../../harness/load/settle.ts', import.meta.url).href)};
  let held = { big: new Array(10000).fill('x') };
  const ref = new WeakRef(held);
  held = undefined;
  await new Promise((resolve) => setImmediate(resolve)); // a WeakRef's target lives to the end of its job
  const ms = settleHeap();
  console.log(JSON.stringify({ collected: ref.deref() === undefined, ms }));
`;

const run = (flags: string[]): { collected: boolean; ms?: number } => {
  const r = spawnSync(process.execPath, [...flags, '--disable-warning=ExperimentalWarning', '--input-type=module', '-e', script], { encoding: 'utf8' });
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout) as { collected: boolean; ms?: number };
};

describe('settleHeap (a full collection before the load)', () => {
  it('collects what nothing holds any more, in a process started with --expose-gc', () => {
    const out = run(['--expose-gc']);
    expect(out.collected).toBe(true);
    expect(out.ms).toBeGreaterThanOrEqual(0);
  });

  it('does nothing, and says so (no time), in a process started without it', () => {
    expect(run([]).ms).toBeUndefined();
  });
});
