import { describe, expect, it } from 'vitest';
import { defineScenario, faults, slo } from '../../harness/define.ts';
import { flakyFault } from '../../harness/faults/flaky.ts';
import { FAULTS } from '../../harness/faults/registry.ts';
import type { StartedStack } from '../../harness/runtime/types.ts';
import { ScenarioError, validateScenario } from '../../harness/scenario.ts';
import { shop } from '../helpers/systems.ts';

function problems(fault: unknown): string[] {
  const s = defineScenario({
    system: 'shop',
    name: 'x-flaky',
    description: 'a test scenario',
    load: { rate: 20, duration: '30s', mix: { 'POST /orders': 1 } },
    faults: [{ at: '10s', for: '10s', fault: fault as ReturnType<typeof faults.flaky> }],
    slos: [slo.availability({ endpoint: 'POST /orders', min: 0.99 })],
    protectedBy: ['retry-budget'],
  });
  try {
    validateScenario(s, 'scenarios/x-flaky.ts', shop);
    return [];
  } catch (error) {
    if (error instanceof ScenarioError) return error.problems;
    throw error;
  }
}

const at = 'scenarios/x-flaky.ts: faults[0].fault';

describe('flaky fault: parameters', () => {
  it('is registered and accepts payments with a failure rate, latency and jitter', () => {
    expect(FAULTS.flaky).toBe(flakyFault);
    expect(problems(faults.flaky({ service: 'payments', failureRate: 0.3 }))).toEqual([]);
    expect(problems(faults.flaky({ service: 'payments', failureRate: 1, latencyMs: 0, jitterMs: 60_000 }))).toEqual([]);
  });

  it('refuses a service without a behaviour switch, naming the ones that have it', () => {
    expect(problems(faults.flaky({ service: 'catalog', failureRate: 0.3 }))).toEqual([
      `${at}.service "catalog" has no behaviour switch; services that can be made flaky: payments`,
    ]);
    expect(problems({ kind: 'flaky', params: { failureRate: 0.3 } })).toEqual([
      `${at}.service undefined has no behaviour switch; services that can be made flaky: payments`,
    ]);
  });

  it.each([
    [0, `${at}.failureRate 0 must be the share of requests answered 503, a number in (0, 1]`],
    [1.5, `${at}.failureRate 1.5 must be the share of requests answered 503, a number in (0, 1]`],
    [-0.1, `${at}.failureRate -0.1 must be the share of requests answered 503, a number in (0, 1]`],
    ['0.3', `${at}.failureRate "0.3" must be the share of requests answered 503, a number in (0, 1]`],
    [undefined, `${at}.failureRate undefined must be the share of requests answered 503, a number in (0, 1]`],
  ])('refuses failureRate %j', (failureRate, message) => {
    expect(problems({ kind: 'flaky', params: { service: 'payments', ...(failureRate === undefined ? {} : { failureRate }) } })).toEqual([message]);
  });

  it('refuses latency and jitter outside [0, 60000] ms', () => {
    expect(problems(faults.flaky({ service: 'payments', failureRate: 0.3, latencyMs: -1, jitterMs: 60_001 }))).toEqual([
      `${at}.latencyMs -1 must be a number of milliseconds in [0, 60000]`,
      `${at}.jitterMs 60001 must be a number of milliseconds in [0, 60000]`,
    ]);
  });

  it('refuses a field it does not take, suggesting the right one', () => {
    expect(problems({ kind: 'flaky', params: { service: 'payments', failureRate: 0.3, rate: 0.5 } })).toEqual([
      `${at}.rate is not a field of a flaky fault; fields are: service, failureRate, latencyMs, jitterMs`,
    ]);
    expect(problems({ kind: 'flaky', params: { service: 'payments', failureRate: 0.3, latencyMS: 5 } })[0]).toMatch(
      /fault\.latencyMS is not a field of a flaky fault \(did you mean latencyMs\?\)/,
    );
  });

  it('describes and targets the service', () => {
    expect(flakyFault.describe({ service: 'payments', failureRate: 0.3 })).toBe('payments fails 30% of its requests with 503');
    expect(flakyFault.describe({ service: 'payments', failureRate: 0.25, latencyMs: 40, jitterMs: 10 })).toBe(
      'payments fails 25% of its requests with 503, answering in 40 ms ±10 ms',
    );
    expect(flakyFault.target({ service: 'payments', failureRate: 0.3 })).toBe('payments');
  });

  it('sends nothing to a service that is not on loopback', async () => {
    const stack = { system: shop, services: { payments: { name: 'payments', url: 'http://10.1.2.3:8080', id: '1' } } } as unknown as StartedStack;
    await expect(flakyFault.apply(stack, { service: 'payments', failureRate: 0.3 }, 'f1')).rejects.toThrow(
      /refusing to send traffic to the behaviour switch of payments at http:\/\/10\.1\.2\.3:8080/,
    );
  });
});
