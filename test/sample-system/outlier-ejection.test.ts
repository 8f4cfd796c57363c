import { describe, expect, it } from 'vitest';
import { type BalancerOptions, createBalancer } from '../../sample-system/resilience/outlier-ejection.ts';

function setup(overrides: Partial<BalancerOptions> = {}) {
  let now = 1_000_000;
  const ejected: [number, number][] = [];
  const balancer = createBalancer({
    replicas: 2,
    consecutiveFailures: 3,
    baseEjectionMs: 5000,
    maxEjectionMs: 12_000,
    maxEjectedShare: 0.5,
    enabled: true,
    nowMs: () => now,
    ...overrides,
  });
  balancer.onEject((replica, forMs) => ejected.push([replica, forMs]));
  // each pick a call that completes (is reported ok) before the next one starts
  const picks = (n: number) =>
    Array.from({ length: n }, () => {
      const replica = balancer.pick();
      balancer.report(replica, true);
      return replica;
    });
  return { balancer, ejected, advance: (ms: number) => void (now += ms), picks };
}

describe('load balancing with outlier ejection', () => {
  it('round-robins over the replicas while all is well', () => {
    expect(setup().picks(4)).toEqual([0, 1, 0, 1]);
  });

  it('ejects a replica after N consecutive failures, and only then', () => {
    const { balancer, ejected, picks } = setup();
    balancer.report(1, false);
    balancer.report(1, false);
    balancer.report(1, true); // a success in between resets the count
    balancer.report(1, false);
    balancer.report(1, false);
    expect(ejected).toEqual([]);
    balancer.report(1, false);
    expect(ejected).toEqual([[1, 5000]]);
    expect(picks(4)).toEqual([0, 0, 0, 0]);
  });

  it('lets an ejected replica back after its ejection time, longer each time it is ejected', () => {
    const { balancer, ejected, advance, picks } = setup();
    for (let i = 0; i < 3; i++) balancer.report(1, false);
    advance(4999);
    expect(picks(2)).toEqual([0, 0]);
    advance(1);
    expect(picks(2)).toContain(1);
    for (let i = 0; i < 3; i++) balancer.report(1, false);
    for (let i = 0; i < 3; i++) balancer.report(1, false); // while ejected: no second ejection
    advance(10_000);
    for (let i = 0; i < 3; i++) balancer.report(1, false);
    expect(ejected.map(([, ms]) => ms)).toEqual([5000, 10_000, 12_000]); // capped at maxEjectionMs
  });

  it('never ejects more than its share of the replicas at once', () => {
    const { balancer, ejected } = setup();
    for (let i = 0; i < 3; i++) balancer.report(0, false);
    for (let i = 0; i < 3; i++) balancer.report(1, false);
    expect(ejected.map(([r]) => r)).toEqual([0]);
  });

  it('takes a replica out while its health check fails, and back when it passes', () => {
    const { balancer, picks } = setup();
    balancer.setHealthy(0, false);
    expect(picks(3)).toEqual([1, 1, 1]);
    balancer.setHealthy(0, true);
    expect(picks(2).sort()).toEqual([0, 1]);
  });

  it('panics over every replica when none is left to pick', () => {
    const { balancer, picks } = setup();
    balancer.setHealthy(0, false);
    balancer.setHealthy(1, false);
    expect(picks(4)).toEqual([0, 1, 0, 1]);
  });

  it('sends the next call to the replica with the fewest calls in flight: a stuck one is avoided', () => {
    const { balancer } = setup({ replicas: 3 });
    expect([balancer.pick(), balancer.pick(), balancer.pick()]).toEqual([0, 1, 2]); // all in flight, none reported
    balancer.report(0, true);
    balancer.report(2, true);
    // replica 1 still holds its call (frozen): the next calls go to 0 and 2 only, alternating
    const next = Array.from({ length: 6 }, () => {
      const r = balancer.pick();
      balancer.report(r, true);
      return r;
    });
    expect(next).toEqual([0, 2, 0, 2, 0, 2]);
    expect(balancer.states().map((s) => s.inFlight)).toEqual([0, 1, 0]);
    // while every peer is at least as busy, the stuck one is picked again (ties go round robin)
    balancer.pick();
    balancer.pick();
    expect(balancer.states().map((s) => s.inFlight)).toEqual([1, 1, 1]);
  });

  it('leaves out a replica whose calls in flight finished none for stallAfterMs, until one comes back', () => {
    const { balancer, advance } = setup({ stallAfterMs: 300 });
    const frozen = balancer.pick(); // 0: never comes back
    expect(frozen).toBe(0);
    const answered = () => {
      const r = balancer.pick();
      balancer.report(r, true);
      return r;
    };
    balancer.pick(); // 1 is busy too, so 0 (as busy) is still eligible
    advance(299);
    expect(balancer.states()[0]?.stalled).toBe(false);
    advance(1);
    expect(balancer.states()[0]?.stalled).toBe(true);
    balancer.report(1, true); // 1 makes progress; 0 does not
    expect([answered(), answered(), answered()]).toEqual([1, 1, 1]);
    balancer.report(0, false); // its call came back (timed out): no longer stalled
    expect(balancer.states()[0]?.stalled).toBe(false);
    expect(answered()).toBe(0);
  });

  it('spreads over stalled replicas when every one is stalled', () => {
    const { balancer, advance } = setup({ stallAfterMs: 300 });
    balancer.pick();
    balancer.pick();
    advance(500);
    expect(balancer.states().map((s) => s.stalled)).toEqual([true, true]);
    expect([balancer.pick(), balancer.pick()]).toEqual([0, 1]);
  });

  it('never counts a call in flight below zero when a report has no pick', () => {
    const { balancer } = setup();
    balancer.report(0, true);
    expect(balancer.states()[0]?.inFlight).toBe(0);
  });

  it('switched off, ignores calls in flight too', () => {
    const { balancer } = setup({ enabled: false });
    expect([balancer.pick(), balancer.pick(), balancer.pick(), balancer.pick()]).toEqual([0, 1, 0, 1]);
  });

  it('switched off, is plain round robin whatever the replicas do', () => {
    const { balancer, ejected, picks } = setup({ enabled: false });
    for (let i = 0; i < 10; i++) balancer.report(1, false);
    balancer.setHealthy(1, false);
    expect(ejected).toEqual([]);
    expect(picks(4)).toEqual([0, 1, 0, 1]);
  });
});
