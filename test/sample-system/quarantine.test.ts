import { describe, expect, it } from 'vitest';
import { createPoisonDetector } from '../../sample-system/gateway/poison.ts';
import { createBulkheads, isBulkheadRejected } from '../../sample-system/resilience/bulkhead.ts';
import { createQuarantine, fingerprint } from '../../sample-system/resilience/quarantine.ts';

function setup(enabled = true) {
  let now = 1_000_000;
  const quarantine = createQuarantine({ hurtsToQuarantine: 2, quarantineMs: 60_000, maxEntries: 3, enabled, nowMs: () => now });
  return { quarantine, advance: (ms: number) => void (now += ms) };
}

describe('poison-pill quarantine', () => {
  it('refuses a fingerprint after it hurt twice, not after once', () => {
    const { quarantine } = setup();
    expect(quarantine.hurt('pill')).toBe(false);
    expect(quarantine.isQuarantined('pill')).toBe(false);
    expect(quarantine.hurt('pill')).toBe(true);
    expect(quarantine.isQuarantined('pill')).toBe(true);
    expect(quarantine.isQuarantined('other')).toBe(false);
  });

  it('lets it through again when the quarantine ends, and forgets an old single hurt', () => {
    const { quarantine, advance } = setup();
    quarantine.hurt('pill');
    quarantine.hurt('pill');
    advance(60_000);
    expect(quarantine.isQuarantined('pill')).toBe(false);
    quarantine.hurt('once');
    advance(61_000);
    expect(quarantine.hurt('once')).toBe(false); // the first hurt is too old to count
  });

  it('remembers a bounded number of fingerprints', () => {
    const { quarantine } = setup();
    for (const fp of ['a', 'b', 'c', 'd']) quarantine.hurt(fp);
    expect(quarantine.size()).toBe(3);
  });

  it('switched off, quarantines nothing', () => {
    const { quarantine } = setup(false);
    quarantine.hurt('pill');
    quarantine.hurt('pill');
    expect(quarantine.isQuarantined('pill')).toBe(false);
  });

  it('fingerprints the payload, not the order of its query keys', () => {
    expect(fingerprint('GET', '/search', { q: 'poison:hang', limit: '3' }, undefined)).toBe(
      fingerprint('GET', '/search', { limit: '3', q: 'poison:hang' }, undefined),
    );
    expect(fingerprint('GET', '/search', { q: 'lamp' }, undefined)).not.toBe(fingerprint('GET', '/search', { q: 'poison:hang' }, undefined));
    expect(fingerprint('POST', '/orders', {}, { productId: 1 })).not.toBe(fingerprint('POST', '/orders', {}, { productId: 2 }));
  });
});

describe('blaming the request that hurt a replica', () => {
  const flush = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

  it('blames a payload that fails in incidents, only when the replica stopped answering', async () => {
    const { quarantine } = setup();
    let live = false;
    const hurts: string[] = [];
    const detector = createPoisonDetector({ quarantine, isLive: async () => live, onHurt: (fp) => hurts.push(fp) });
    for (let i = 0; i < 3; i++) detector.answered('innocent', 'catalog', 0); // it usually succeeds
    detector.failed('innocent', 'catalog', 0); // sent before the pill, still waiting on its database
    detector.failed('pill', 'catalog', 0);
    detector.failed('pill', 'catalog', 0); // a second copy in the same incident: one hurt
    await flush();
    expect(hurts).toEqual(['pill']);
    detector.answered('other', 'catalog', 0); // the replica is back
    detector.failed('pill', 'catalog', 1);
    await flush();
    expect(hurts).toEqual(['pill', 'pill']);
    expect(quarantine.isQuarantined('pill')).toBe(true);
    expect(quarantine.isQuarantined('innocent')).toBe(false);
    live = true;
    detector.answered('other', 'catalog', 0);
    detector.failed('slow-db', 'catalog', 0); // a timeout while the replica is live: not a pill
    await flush();
    expect(hurts).toEqual(['pill', 'pill']);
  });

  it('does not blame an innocent payload that failed first in an incident, however often that happens', async () => {
    const { quarantine } = setup();
    const hurts: string[] = [];
    const detector = createPoisonDetector({ quarantine, isLive: async () => false, onHurt: (fp) => hurts.push(fp) });
    for (let incident = 0; incident < 3; incident++) {
      for (let i = 0; i < 5; i++) detector.answered('GET /products/7', 'catalog', 0);
      detector.failed('GET /products/7', 'catalog', 0);
      detector.failed('pill', 'catalog', 0);
      await flush();
    }
    expect(hurts).toEqual(['pill', 'pill', 'pill']);
    expect(quarantine.isQuarantined('GET /products/7')).toBe(false);
  });
});

describe('bulkheads', () => {
  it('refuses a call beyond a compartment limit, and keeps compartments apart', async () => {
    const rejected: string[] = [];
    const bulkheads = createBulkheads(() => ({ limit: 2, queue: 0 }), { enabled: true, onReject: (k) => rejected.push(k) });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const running = [bulkheads.execute('recommendations', () => gate), bulkheads.execute('recommendations', () => gate)];
    const third = await bulkheads.execute('recommendations', async () => 'ran').catch((e: unknown) => e);
    expect(isBulkheadRejected(third)).toBe(true);
    expect(await bulkheads.execute('catalog', async () => 'ran')).toBe('ran');
    expect(rejected).toEqual(['recommendations']);
    release();
    await Promise.all(running);
    expect(await bulkheads.execute('recommendations', async () => 'ran')).toBe('ran');
  });

  it('switched off, runs everything', async () => {
    const bulkheads = createBulkheads(() => ({ limit: 1, queue: 0 }), { enabled: false });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const first = bulkheads.execute('x', () => gate);
    expect(await bulkheads.execute('x', async () => 'ran')).toBe('ran');
    release();
    await first;
  });
});
