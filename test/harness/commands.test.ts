// The CLI's commands (`faultline run|list|ablate|init|setup|help`), and that a first word that is no
// command is a scenario, as `npm run chaos -- <scenario>` has always had it.

import { describe, expect, it } from 'vitest';
import { ablateArgs, main } from '../../harness/cli.ts';

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('the commands', () => {
  it('list is --list', async () => {
    const listed = await cli('list', '--system', 'counter');
    expect(listed.code).toBe(0);
    expect(listed.out).toMatch(/^counter-cache-latency\s+counter\s/m);
    expect(listed.out).toEqual((await cli('--list', '--system', 'counter')).out);
  });

  it('help names every command', async () => {
    const { code, out } = await cli('help');
    expect(code).toBe(0);
    for (const command of ['run', 'list', 'ablate', 'init --from', 'setup']) expect(out).toContain(` ${command}`);
  });

  it('run takes the same flags as the bare form, and refuses the same mistakes with exit 2', async () => {
    const bad = await cli('run', 'no-such-scenario');
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('unknown scenario "no-such-scenario"');
    expect((await cli('no-such-scenario')).err).toEqual(bad.err);
  });

  it('ablate with nothing named means every scenario; with --list it is refused as before', async () => {
    expect(ablateArgs([])).toEqual(['--all']);
    expect(ablateArgs(['--system', 'shop'])).toEqual(['--all', '--system', 'shop']);
    expect(ablateArgs(['postgres-latency'])).toEqual(['postgres-latency']);
    expect(ablateArgs(['--all'])).toEqual(['--all']);
    const refused = await cli('ablate', '--list');
    expect(refused.code).toBe(2);
    expect(refused.err).toContain('--ablate runs scenarios; --list only lists them');
  });

  it('setup takes no arguments (exit 2, nothing run)', async () => {
    const { code, err } = await cli('setup', '--now');
    expect(code).toBe(2);
    expect(err).toContain('faultline setup takes no arguments');
  });

  it('init without --from says what it needs (exit 2)', async () => {
    const { code, err } = await cli('init');
    expect(code).toBe(2);
    expect(err).toContain('init needs --from <docker-compose.yml>');
  });
});
