import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { colourEnabled } from '../../harness/cli.ts';

describe('terminal colours', () => {
  it('are on only on a terminal', () => {
    expect(colourEnabled({}, true)).toBe(true);
    expect(colourEnabled({}, false)).toBe(false);
    expect(colourEnabled({}, undefined)).toBe(false);
  });

  it('are off with NO_COLOR set to anything but the empty string, or TERM=dumb', () => {
    expect(colourEnabled({ NO_COLOR: '1' }, true)).toBe(false);
    expect(colourEnabled({ NO_COLOR: 'false' }, true)).toBe(false);
    expect(colourEnabled({ NO_COLOR: '' }, true)).toBe(true);
    expect(colourEnabled({ TERM: 'dumb' }, true)).toBe(false);
  });
});

// The CLI decides colours once, at load, from the streams it was started with: a child process
// under script(1) gets a real terminal, and each stream is redirected away from it in turn.
describe('warnings on stderr', () => {
  const cli = new URL('../../harness/cli.ts', import.meta.url).pathname;
  const probe = `import(${JSON.stringify(cli)}).then((m) => require('node:fs').writeFileSync(process.env.PROBE_OUT, JSON.stringify(m.warningLine('WARNING: x'))))`;
  const hasScript = spawnSync('script', ['--version'], { stdio: 'ignore' }).status === 0;
  const warningUnder = (redirect: string): string => {
    const dir = mkdtempSync(join(tmpdir(), 'faultline-colour-'));
    try {
      const out = join(dir, 'warning.json');
      const command = `${JSON.stringify(process.execPath)} --disable-warning=ExperimentalWarning -e ${JSON.stringify(probe)} ${redirect}`;
      const run = spawnSync('script', ['-qec', command, '/dev/null'], {
        env: { ...process.env, PROBE_OUT: out, NO_COLOR: '', TERM: 'xterm' },
        encoding: 'utf8',
        timeout: 20_000,
      });
      if (run.status !== 0) throw new Error(`script exited ${run.status}: ${run.stdout}${run.stderr}`);
      return JSON.parse(readFileSync(out, 'utf8')) as string;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };

  it.skipIf(!hasScript)('are red when stderr is a terminal, even with stdout redirected to a file', () => {
    expect(warningUnder('> /dev/null')).toBe('\x1b[31mWARNING: x\x1b[39m');
  });

  it.skipIf(!hasScript)('are plain when stderr is redirected, even with stdout on a terminal', () => {
    expect(warningUnder('2> /dev/null')).toBe('WARNING: x');
  });
});
