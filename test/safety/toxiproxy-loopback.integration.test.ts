// Toxiproxy's API listens on loopback only: the socket the local runtime's server listens on is
// bound to 127.0.0.1 (read from /proc, not from what we asked for), and the API does not answer
// on any other address of this machine.

import { mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLedger } from '../../harness/runtime/ledger.ts';
import { createSupervisor, type Supervisor } from '../../harness/runtime/supervisor.ts';
import { type StartedToxiproxy, startToxiproxy } from '../../harness/runtime/toxiproxy-server.ts';
import { toolPath } from '../../harness/tools.ts';

const scratch = mkdtempSync(join(tmpdir(), 'faultline-loopback-'));
let supervisor: Supervisor;
let toxiproxy: StartedToxiproxy;

beforeAll(async () => {
  const logsDir = join(scratch, 'logs');
  mkdirSync(logsDir);
  supervisor = createSupervisor(openLedger('loopback-test', join(scratch, 'state')));
  toxiproxy = await startToxiproxy(
    { supervisor, tempDir: scratch, logsDir, readyTimeoutMs: 10_000, baseEnv: { PATH: process.env.PATH ?? '' } },
    toolPath('toxiproxy-server'),
    1,
  );
});
afterAll(async () => {
  await supervisor?.stopAll();
  rmSync(scratch, { recursive: true, force: true });
});

/** host:port of every TCP socket `pid` listens on, from /proc/<pid>/fd and /proc/net/tcp{,6}. */
function listeningAddresses(pid: number): string[] {
  const inodes = new Set(
    readdirSync(`/proc/${pid}/fd`)
      .map((fd) => {
        try {
          return /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1];
        } catch {
          return undefined;
        }
      })
      .filter((i): i is string => i !== undefined),
  );
  const out: string[] = [];
  for (const table of ['tcp', 'tcp6']) {
    for (const row of readFileSync(`/proc/net/${table}`, 'utf8').trim().split('\n').slice(1)) {
      const f = row.trim().split(/\s+/);
      if (f[3] !== '0A' || !inodes.has(f[9] as string)) continue; // 0A: LISTEN
      const [hexHost, hexPort] = (f[1] as string).split(':') as [string, string];
      out.push(`${decodeHost(hexHost)}:${parseInt(hexPort, 16)}`);
    }
  }
  return out;
}

/** /proc/net/tcp hosts are little-endian hex per 32-bit word. */
function decodeHost(hex: string): string {
  const words = hex.match(/.{8}/g) ?? [];
  const bytes = words.flatMap((w) => (w.match(/../g) ?? []).reverse().map((b) => parseInt(b, 16)));
  if (bytes.length === 4) return bytes.join('.');
  if (bytes.every((b, i) => (i < 15 ? b === 0 : b === 1))) return '::1';
  if (bytes.every((b) => b === 0)) return '::';
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join('');
}

describe('the Toxiproxy API', () => {
  it('listens on 127.0.0.1 only', () => {
    const port = new URL(toxiproxy.url).port;
    expect(listeningAddresses(toxiproxy.process.pid)).toEqual([`127.0.0.1:${port}`]);
  });

  it('does not answer on any other address of this machine', async () => {
    const port = new URL(toxiproxy.url).port;
    const others = Object.values(networkInterfaces())
      .flat()
      .filter((a) => a !== undefined && !a.internal && a.family === 'IPv4')
      .map((a) => a?.address as string);
    for (const host of others) await expect(fetch(`http://${host}:${port}/version`, { signal: AbortSignal.timeout(2000) }), host).rejects.toThrow();
    expect(await (await fetch(`${toxiproxy.url}/version`)).json()).toMatchObject({ version: expect.any(String) });
  });
});
