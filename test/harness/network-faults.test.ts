// The network fault modules at the edge: every bad parameter is refused with the field, the value
// and what is allowed; unknown fields (typos) are refused by name; descriptions say the target.
// And the pure parts of the landing proof: how many fresh connections to sample, how big a bulk
// transfer to make, and when one sample counts as hit.

import { type AddressInfo, createServer, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { faults } from '../../harness/define.ts';
import { bulkBytesFor, isHit, neededExtraMs, proveLanding, samplesFor } from '../../harness/faults/landing.ts';
import type { EdgeProbe } from '../../harness/faults/probe.ts';
import { FAULTS } from '../../harness/faults/registry.ts';
import { targetText } from '../../harness/faults/toxic.ts';
import { unknownFields } from '../../harness/fields.ts';
import { edgeNames } from '../../harness/system/system.ts';
import { shop } from '../helpers/systems.ts';

/** What the scenario validator reports for one fault's params: unknown fields, then the module's own problems. */
function problems(kind: string, params: Record<string, unknown>): string[] {
  const module = FAULTS[kind];
  if (module === undefined) throw new Error(`no fault kind ${kind}`);
  return [...unknownFields(params, module.fields, `a ${kind} fault`), ...module.validate(params, shop)].map((p) => `${p.field} ${p.text}`);
}

const EDGES = edgeNames(shop).join(', ');

describe('network fault validation', () => {
  it.each([
    ['bandwidth', { edge: 'orders->payments', kbPerSecond: 50 }],
    ['bandwidth', { edge: 'catalog->postgres', kbPerSecond: 1, stream: 'upstream' }],
    ['packetLoss', { edge: 'orders->payments', probability: 0.2 }],
    ['packetLoss', { edge: 'orders->payments', probability: 1, correlation: 0.5, stream: 'upstream' }],
    ['resetPeer', { edge: 'orders->payments' }],
    ['resetPeer', { edge: 'catalog->postgres', afterMs: 100, toxicity: 0.5, stream: 'upstream' }],
    ['blackhole', { edge: 'orders->payments' }],
    ['blackhole', { edge: 'orders->payments', closeAfterMs: 2000 }],
    ['slowClose', { edge: 'gateway->recommendations', delayMs: 300 }],
    ['partition', { edge: 'gateway->recommendations' }],
    ['latency', { edge: 'catalog->postgres', ms: 100, toxicity: 0.25, stream: 'upstream' }],
  ])('accepts %s %j', (kind, params) => {
    expect(problems(kind, params)).toEqual([]);
  });

  it.each([
    ['bandwidth', { edge: 'orders->paymens', kbPerSecond: 50 }, `edge "orders->paymens" is not an edge; edges are: ${EDGES}`],
    ['bandwidth', { edge: 'orders->payments', kbPerSecond: 0 }, 'kbPerSecond 0 must be a whole number of KB per second in [1, 1000000]'],
    ['bandwidth', { edge: 'orders->payments', kbPerSecond: 2.5 }, 'kbPerSecond 2.5 must be a whole number of KB per second in [1, 1000000]'],
    ['bandwidth', { edge: 'orders->payments' }, 'kbPerSecond undefined must be a whole number'],
    ['bandwidth', { edge: 'orders->payments', kbPerSecond: 5, stream: 'down' }, 'stream "down" is not a stream; streams are: downstream, upstream'],
    [
      'bandwidth',
      { edge: 'orders->payments', kbPerSecond: 5, toxicity: 0.5 },
      'toxicity is not a field of a bandwidth fault; fields are: edge, kbPerSecond, stream',
    ],
    ['packetLoss', { edge: 'orders->payments', probability: 0 }, 'probability 0 must be a number of chance per chunk in (0, 1]'],
    ['packetLoss', { edge: 'orders->payments', probability: 1.5 }, 'probability 1.5 must be a number of chance per chunk in (0, 1]'],
    ['packetLoss', { edge: 'orders->payments', probability: '10%' }, 'probability "10%" must be a number'],
    ['packetLoss', { edge: 'orders->payments', probability: 0.1, correlation: -1 }, 'correlation -1 must be a number of extra chance after a drop in [0, 1]'],
    [
      'packetLoss',
      { edge: 'orders->payments', probabilty: 0.1 },
      'probabilty is not a field of a packetLoss fault (did you mean probability?); fields are: edge, probability, correlation, stream',
    ],
    ['resetPeer', { edge: 'orders->payments', toxicity: 0 }, 'toxicity 0 must be the share of connections hit, a number in (0, 1]'],
    ['resetPeer', { edge: 'orders->payments', toxicity: 50 }, 'toxicity 50 must be the share of connections hit, a number in (0, 1]'],
    ['resetPeer', { edge: 'orders->payments', afterMs: -1 }, 'afterMs -1 must be a number of milliseconds in [0, 60000]'],
    ['resetPeer', {}, 'edge undefined is not an edge; edges are:'],
    ['blackhole', { edge: 'orders->payments', closeAfterMs: -5 }, 'closeAfterMs -5 must be a number of milliseconds in [0, 600000]'],
    ['blackhole', { edge: 'orders->payments', timeout: 5 }, 'timeout is not a field of a blackhole fault; fields are: edge, closeAfterMs'],
    ['slowClose', { edge: 'orders->payments', delayMs: 0 }, 'delayMs 0 must be a number of milliseconds in (0, 60000]'],
    ['slowClose', { edge: 'orders->payments' }, 'delayMs undefined must be a number of milliseconds in (0, 60000]'],
    ['partition', { edge: 'gateway->recommendation' }, `edge "gateway->recommendation" is not an edge; edges are: ${EDGES}`],
    ['partition', { edge: 'gateway->recommendations', toxicity: 0.5 }, 'toxicity is not a field of a partition fault; fields are: edge'],
  ])('refuses %s %j, naming field, value and what is allowed', (kind, params, expected) => {
    const found = problems(kind, params as Record<string, unknown>);
    expect(found.join('\n')).toContain(expected);
  });
});

describe('network fault descriptions', () => {
  it('name the edge and only the targeting that differs from the defaults', () => {
    expect(targetText({ edge: 'orders->payments' })).toBe('on orders->payments');
    expect(targetText({ edge: 'orders->payments', stream: 'upstream', toxicity: 0.5 })).toBe('on orders->payments (upstream, 50% of connections)');
    expect(FAULTS.packetLoss?.describe(faults.packetLoss({ edge: 'orders->payments', probability: 0.15 }).params)).toBe('15% packet loss on orders->payments');
    expect(FAULTS.resetPeer?.describe(faults.resetPeer({ edge: 'orders->payments', toxicity: 0.5 }).params)).toBe(
      'connections reset (TCP RST) on orders->payments (50% of connections)',
    );
    expect(FAULTS.partition?.target(faults.partition({ edge: 'gateway->recommendations' }).params)).toBe('gateway->recommendations');
  });
});

describe('landing proof arithmetic', () => {
  it('samples one kept connection when every connection is hit, and enough fresh ones otherwise', () => {
    expect(samplesFor(1)).toBe(1);
    expect(samplesFor(0.5)).toBe(10); // 0.5^10 < 0.001
    expect(samplesFor(0.15)).toBe(43); // 0.85^43 < 0.001 <= 0.85^42
    expect(0.85 ** 43).toBeLessThan(0.001);
    expect(0.85 ** 42).toBeGreaterThan(0.001);
    expect(samplesFor(0.001)).toBe(60); // capped
    expect(samplesFor(0.99)).toBe(3); // never fewer than three
  });

  it('sizes a bulk transfer to ~400 ms at the cap, within 2 kB..4 MB', () => {
    expect(bulkBytesFor(10)).toBe(4000);
    expect(bulkBytesFor(1)).toBe(2000);
    expect(bulkBytesFor(1_000_000)).toBe(4_000_000);
  });

  it('counts a sample as hit only when it shows what the fault claims', () => {
    const before = { ms: 2 };
    expect(isHit({ kind: 'broken' }, before, { ok: false, error: 'ECONNRESET' })).toBe(true);
    expect(isHit({ kind: 'broken' }, before, { ok: true, ms: 500 })).toBe(false);
    expect(isHit({ kind: 'slower', extraMs: 100 }, before, { ok: true, ms: 102 })).toBe(true);
    expect(isHit({ kind: 'slower', extraMs: 100 }, before, { ok: true, ms: 101 })).toBe(false);
    expect(isHit({ kind: 'slower', extraMs: 100 }, before, { ok: false, error: 'timeout' })).toBe(false);
    expect(isHit({ kind: 'slow-close', extraMs: 300 }, before, { ok: true, ms: 160 })).toBe(true);
    const bulk = { ms: 2, bytes: 4000 };
    expect(neededExtraMs({ kind: 'throttled', bytesPerMs: 10, stream: 'downstream' }, bulk)).toBe(200);
    expect(isHit({ kind: 'throttled', bytesPerMs: 10, stream: 'downstream' }, bulk, { ok: true, ms: 150 })).toBe(false);
    expect(isHit({ kind: 'throttled', bytesPerMs: 10, stream: 'downstream' }, bulk, { ok: true, ms: 420 })).toBe(true);
  });
});

describe('the landing proof of a fault on a share of connections', () => {
  /** a TCP server that resets every `every`-th connection (0: none) and greets the others with a byte */
  async function resetting(every: number): Promise<{ listen: string; connections: () => number; close: () => void }> {
    let n = 0;
    const sockets = new Set<Socket>();
    const server = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
      if (every > 0 && ++n % every === 0) socket.resetAndDestroy();
      else {
        if (every === 0) n++;
        socket.write('x');
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return {
      listen: `127.0.0.1:${(server.address() as AddressInfo).port}`,
      connections: () => n,
      close: () => {
        for (const s of sockets) s.destroy();
        server.close();
      },
    };
  }
  const unused = {} as EdgeProbe; // a share below 1 samples fresh connections, never the kept probe
  const prove = (listen: string) =>
    proveLanding({ edge: 'a->b', proxy: 'a_to_b', listen, upstream: listen, protocol: 'tcp' }, unused, { kind: 'broken' }, 0.1, { ms: 1 });

  it('stops at the first batch of ten that shows it, and says it sampled until then', async () => {
    const server = await resetting(3);
    try {
      const proof = await prove(server.listen);
      expect(proof.landed).toBe(true);
      expect(proof.evidence).toMatch(
        /after, [1-9]0? of 10 fresh connections showed it \(needed the probe to fail on at least one, sampled until one did, up to 60;/,
      );
      // ten samples, each a connect to open the probe and one to measure (unless the first was reset)
      expect(server.connections()).toBeLessThanOrEqual(20);
    } finally {
      server.close();
    }
  });

  it('samples all of them (60 at a share of 0.1) before it says the fault did not land', async () => {
    const server = await resetting(0);
    try {
      const proof = await prove(server.listen);
      expect(proof.landed).toBe(false);
      expect(proof.evidence).toMatch(/after, 0 of 60 fresh connections showed it \(needed the probe to fail on at least one; ~6 expected/);
      expect(server.connections()).toBe(120);
    } finally {
      server.close();
    }
  });
});
