// The image build's command runner: a feeder piped into a command (tar | docker import) streams
// its whole output through, however large, and the build log keeps only what is text.

import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from '../../harness/runtime/image-build.ts';

const scratch = mkdtempSync(join(tmpdir(), 'faultline-test-image-build-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const logTo = async (name: string, work: (log: ReturnType<typeof createWriteStream>) => Promise<string>) => {
  const path = join(scratch, name);
  const log = createWriteStream(path);
  const out = await work(log);
  await new Promise((resolve) => log.end(resolve));
  return { out, log: readFileSync(path, 'utf8') };
};

describe('image build commands', () => {
  it('streams a feeder of 160 MB into its command whole, and logs none of it', { timeout: 30_000 }, async () => {
    // a base image's root filesystem is ~480 MB of tar: execa's 100 MB maxBuffer once cut it short
    const { out, log } = await logTo('pipe.log', (l) =>
      run({ argv: ['wc', '-c'], stdinFrom: ['sh', '-c', 'head -c 160000000 /dev/zero; echo feeder-note >&2'] }, l),
    );
    expect(out.trim()).toBe('160000000');
    expect(log).toContain('feeder-note');
    expect(log.length).toBeLessThan(10_000);
  });

  it('names a failing feeder and the log, not the command it fed', async () => {
    await expect(logTo('fail.log', (l) => run({ argv: ['cat'], stdinFrom: ['sh', '-c', 'echo broken >&2; exit 3'] }, l))).rejects.toThrow(
      /`sh -c echo …` exited with code 3 \(log: .*fail\.log\)/,
    );
  });
});
