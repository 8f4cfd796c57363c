// A kill takes a part's descendants too: Postgres backends run in sessions of their own, outside
// the postmaster's process group, and /proc's parent links are what still finds them.

import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { descendantsOf, sleep } from '../../harness/runtime/processes.ts';

describe('descendantsOf', () => {
  it("finds a grandchild that left its parent's process group", async () => {
    // sh -> setsid sleep: the sleep is in a new session, as a Postgres backend is
    const parent = spawn('sh', ['-c', 'setsid sleep 30 & wait'], { stdio: 'ignore' });
    try {
      let found: number[] = [];
      for (let i = 0; i < 50 && found.length === 0; i++) {
        await sleep(20);
        found = descendantsOf(parent.pid as number);
      }
      expect(found.length).toBeGreaterThan(0);
      expect(descendantsOf(process.pid)).toContain(parent.pid);
    } finally {
      for (const pid of descendantsOf(parent.pid as number)) process.kill(pid, 'SIGKILL');
      parent.kill('SIGKILL');
    }
  });
});
