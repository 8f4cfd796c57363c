// Every network fault kind against a real Toxiproxy server in front of a real HTTP server on
// 127.0.0.1: apply -> the proof says it landed, with numbers -> remove (twice: the second is a
// no-op) -> nothing of it is left on the proxy and the edge answers as before. A client keeps
// using the edge meanwhile, as the system would, so the traffic proof has bytes to count.

import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { faults } from '../../harness/define.ts';
import { openProbe } from '../../harness/faults/probe.ts';
import { FAULTS } from '../../harness/faults/registry.ts';
import type { FaultSpec } from '../../harness/faults/types.ts';
import { openLedger } from '../../harness/runtime/ledger.ts';
import { createSupervisor, type Supervisor } from '../../harness/runtime/supervisor.ts';
import { getProxy, listToxics, reset } from '../../harness/runtime/toxiproxy.ts';
import { createEdgeProxies, type StartedToxiproxy, startToxiproxy } from '../../harness/runtime/toxiproxy-server.ts';
import type { StartedStack } from '../../harness/runtime/types.ts';
import { toolPath } from '../../harness/tools.ts';
import { shop } from '../helpers/systems.ts';

const EDGE = 'orders->payments';
const scratch = mkdtempSync(join(tmpdir(), 'faultline-network-faults-'));
let supervisor: Supervisor;
let toxiproxy: StartedToxiproxy;
let server: Server;
let stack: StartedStack;

beforeAll(async () => {
  const logsDir = join(scratch, 'logs');
  mkdirSync(logsDir);
  // stands in for payments: /health/live, and /metrics with a body worth throttling (~20 kB)
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.end(req.url === '/metrics' ? 'm'.repeat(20_000) : '{"status":"live"}'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  supervisor = createSupervisor(openLedger('network-faults-test', join(scratch, 'state')));
  toxiproxy = await startToxiproxy(
    { supervisor, tempDir: scratch, logsDir, readyTimeoutMs: 10_000, baseEnv: { PATH: process.env.PATH ?? '' } },
    toolPath('toxiproxy-server'),
    1,
  );
  const spec = shop.edges.filter((e) => e.name === EDGE);
  const edges = await createEdgeProxies(toxiproxy.url, spec, () => `127.0.0.1:${(server.address() as AddressInfo).port}`);
  // network faults read only the Toxiproxy API and the edges of a stack
  const used: Pick<StartedStack, 'toxiproxyUrl' | 'edges'> = { toxiproxyUrl: toxiproxy.url, edges };
  stack = used as StartedStack;
});
// a failed case must not leave its toxic to fail the next one
afterEach(async () => {
  if (toxiproxy) await reset(toxiproxy.url);
});
afterAll(async () => {
  await supervisor?.stopAll();
  await new Promise((resolve) => server?.close(resolve));
  rmSync(scratch, { recursive: true, force: true });
});

/** The system's own use of the edge: a request every 20 ms on fresh connections, failures ignored. */
function keepUsing(): () => void {
  const edge = stack.edges[EDGE];
  const timer = setInterval(() => {
    if (edge === undefined) return;
    void fetch(`http://${edge.listen}/health/live`, { signal: AbortSignal.timeout(300), headers: { connection: 'close' } }).then(
      (r) => r.arrayBuffer(),
      () => undefined,
    );
  }, 20);
  return () => clearInterval(timer);
}

const CASES: [string, FaultSpec, RegExp][] = [
  [
    'bandwidth',
    faults.bandwidth({ edge: EDGE, kbPerSecond: 40 }),
    /a 20\d{3} B transfer via orders->payments took [\d.]+ ms before, [\d.]+ ms after \(\+[\d.]+ ms, needed \+2\d\d ms\)/,
  ],
  [
    'packetLoss',
    faults.packetLoss({ edge: EDGE, probability: 0.5 }),
    /after, \d+ of 10 fresh connections showed it \(needed the probe to fail on at least one; ~5 expected/,
  ],
  ['resetPeer', faults.resetPeer({ edge: EDGE }), /after: .*(ECONNRESET|other side closed|socket)/i],
  ['resetPeer with toxicity', faults.resetPeer({ edge: EDGE, toxicity: 0.5 }), /after, \d+ of 10 fresh connections showed it/],
  ['blackhole', faults.blackhole({ edge: EDGE }), /after: .*(no answer within|aborted|timeout)/i],
  ['blackhole closing', faults.blackhole({ edge: EDGE, closeAfterMs: 100 }), /after: /],
  [
    'slowClose',
    faults.slowClose({ edge: EDGE, delayMs: 300 }),
    /a server-side close via orders->payments took [\d.]+ ms before, [\d.]+ ms after \(\+[\d.]+ ms, needed \+150 ms\)/,
  ],
  ['latency', faults.latency({ edge: EDGE, ms: 100 }), /round trip via orders->payments took [\d.]+ ms before, [\d.]+ ms after/],
];

describe('network faults on a real Toxiproxy', () => {
  it.each(CASES)('%s: lands with numbers, is removed fully (twice is harmless), the edge answers again', { timeout: 15_000 }, async (_name, spec, evidence) => {
    const module = FAULTS[spec.kind];
    if (module === undefined) throw new Error(spec.kind);
    const edge = stack.edges[EDGE];
    if (edge === undefined) throw new Error(EDGE);
    const stop = keepUsing();
    try {
      const fault = await module.apply(stack, spec.params, `t-${spec.kind}`);
      const proof = await fault.prove();
      expect(proof.evidence).toMatch(evidence);
      expect(proof.landed, proof.evidence).toBe(true);
      await new Promise((r) => setTimeout(r, 200)); // the system's traffic while it is in force
      const removal = await fault.remove();
      expect(removal.landed, removal.evidence).toBe(true);
      expect(removal.evidence).toMatch(/the system used orders->payments while the fault was in force: [1-9]\d* bytes client->server/);
      expect(await fault.remove()).toEqual({ landed: true, evidence: 'already removed' });
    } finally {
      stop();
    }
    expect(await listToxics(toxiproxy.url, edge.proxy)).toEqual([]);
    const probe = await openProbe(edge);
    try {
      expect(await probe.roundTripMs(1000)).toBeLessThan(200);
    } finally {
      await probe.close();
    }
  });

  it('partition: connects refused while in force, the proxy enabled on the same port after', { timeout: 15_000 }, async () => {
    const module = FAULTS.partition;
    const edge = stack.edges[EDGE];
    if (module === undefined || edge === undefined) throw new Error('setup');
    const fault = await module.apply(stack, faults.partition({ edge: EDGE }).params, 't-partition');
    const proof = await fault.prove();
    expect(proof).toEqual({
      landed: true,
      evidence: `proxy orders_to_payments disabled; connects to ${edge.listen}: 3 of 3 connected before, 3 of 3 refused after (3 ECONNREFUSED)`,
    });
    const removal = await fault.remove();
    expect(removal).toEqual({
      landed: true,
      evidence: `proxy orders_to_payments was disabled until its removal; enabled again, 3 of 3 connects to ${edge.listen} work`,
    });
    expect(await fault.remove()).toEqual({ landed: true, evidence: 'already removed' });
    expect(await getProxy(toxiproxy.url, edge.proxy)).toMatchObject({ enabled: true, listen: edge.listen });
  });

  it('partition: a proxy enabled again behind its back is reported as not landed', { timeout: 15_000 }, async () => {
    const module = FAULTS.partition;
    const edge = stack.edges[EDGE];
    if (module === undefined || edge === undefined) throw new Error('setup');
    const fault = await module.apply(stack, faults.partition({ edge: EDGE }).params, 't-partition-2');
    const { setProxyEnabled } = await import('../../harness/runtime/toxiproxy.ts');
    await setProxyEnabled(toxiproxy.url, edge.proxy, true);
    expect(await fault.remove()).toEqual({ landed: false, evidence: "proxy orders_to_payments had been enabled again before the partition's scheduled end" });
  });
});
