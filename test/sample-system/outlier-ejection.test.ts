import { describe, expect, it } from 'vitest';
import { createBalancer, type BalancerOptions } from '../../sample-system/resilience/outlier-ejection.ts';

function setup(overrides: Partial<BalancerOptions> = {}) {
  let now = 1_000_000;
  const ejected: [number, number][] = [];
  const balancer = createBalancer({ replicas: 2, consecutiveFailures: 3, baseEjectionMs: 5000, maxEjectionMs: 12_000, maxEjectedShare: 0.5, enabled: true, nowMs: () => now, ...overrides });
  balancer.onEject((replica, forMs) => ejected.push([replica, forMs]));
  return { balancer, ejected, advance: (ms: number) => void (now += ms), picks: (n: number) => Array.from({ length: n }, () => balancer.pick()) };
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

  it('switched off, is plain round robin whatever the replicas do', () => {
    const { balancer, ejected, picks } = setup({ enabled: false });
    for (let i = 0; i < 10; i++) balancer.report(1, false);
    balancer.setHealthy(1, false);
    expect(ejected).toEqual([]);
    expect(picks(4)).toEqual([0, 1, 0, 1]);
  });
});
