// The flaky fault against a real payments process: the behaviour is set, read back, and restored;
// removal proves the fault from the provider's own count of the requests it failed, and says it
// did not land when nobody called the provider while it was flaky.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flakyFault } from '../../harness/faults/flaky.ts';
import type { StartedStack } from '../../harness/runtime/types.ts';
import { type RunningService, startService } from '../sample-system/support/services.ts';

let payments: RunningService;
let stack: StartedStack;
let keys = 0;

const behaviour = async (): Promise<unknown> => (await fetch(`${payments.url}/admin/behaviour`)).json();
const charge = async (): Promise<number> => {
  const res = await fetch(`${payments.url}/payments`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': `flaky-${process.pid}-${++keys}` },
    body: JSON.stringify({ orderId: keys, amountCents: 100 }),
  });
  await res.arrayBuffer();
  return res.status;
};

beforeAll(async () => {
  payments = await startService('payments', { PAYMENTS_LATENCY_MS: '2', PAYMENTS_JITTER_MS: '1', PAYMENTS_SEED: '11' });
  stack = { services: { payments: { name: 'payments', url: payments.url, id: String(payments.process.pid) } } } as unknown as StartedStack;
});
afterAll(async () => {
  await payments?.stop();
});

describe('the flaky fault on a real payments process', () => {
  it('sets the behaviour, proves it, fails requests with 503, and restores the old behaviour once', async () => {
    const fault = await flakyFault.apply(stack, { service: 'payments', failureRate: 0.5, latencyMs: 0 }, 'flaky-1');
    expect(await behaviour()).toEqual({ latencyMs: 0, jitterMs: 1, failureRate: 0.5 });
    const proof = await fault.prove();
    expect(proof.landed, proof.evidence).toBe(true);
    expect(proof.evidence).toMatch(
      /payments reads back failureRate 0\.5, latency 0 ms ±1 ms \(was failureRate 0, latency 2 ms ±1 ms\); 0 of 0 requests failed/,
    );

    const statuses = [];
    for (let i = 0; i < 40; i++) statuses.push(await charge());
    const failed = statuses.filter((s) => s === 503).length;
    expect(failed).toBeGreaterThan(5);
    expect(statuses.filter((s) => s === 201).length).toBe(40 - failed);

    const removed = await fault.remove();
    expect(removed.landed, removed.evidence).toBe(true);
    expect(removed.evidence).toBe(
      `payments failed ${failed} of 40 requests (${((failed / 40) * 100).toFixed(1)}%) while it was flaky; restored to failureRate 0, latency 2 ms ±1 ms`,
    );
    expect(await behaviour()).toEqual({ latencyMs: 2, jitterMs: 1, failureRate: 0 });
    expect(await fault.remove()).toEqual({ landed: true, evidence: 'already removed' });
    expect(await charge()).toBe(201);
  });

  it('did not land when no request was failed while it was in force', async () => {
    const fault = await flakyFault.apply(stack, { service: 'payments', failureRate: 0.3 }, 'flaky-2');
    expect((await fault.prove()).landed).toBe(true);
    const removed = await fault.remove();
    expect(removed).toEqual({
      landed: false,
      evidence:
        'payments failed none of its 0 requests while it was flaky (its failed counter did not grow): nothing hit the fault; restored to failureRate 0, latency 2 ms ±1 ms',
    });
    expect(await behaviour()).toEqual({ latencyMs: 2, jitterMs: 1, failureRate: 0 });
  });

  it('says it did not land when the behaviour was changed behind its back, and still restores it', async () => {
    const fault = await flakyFault.apply(stack, { service: 'payments', failureRate: 0.3 }, 'flaky-3');
    await fetch(`${payments.url}/admin/behaviour`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ failureRate: 0.1 }),
    });
    const proof = await fault.prove();
    expect(proof).toEqual({
      landed: false,
      evidence:
        'payments reads back failureRate 0.1, latency 2 ms ±1 ms, not the failureRate 0.3, latency 2 ms ±1 ms that was set (was failureRate 0, latency 2 ms ±1 ms)',
    });
    const removed = await fault.remove();
    expect(removed.landed).toBe(false);
    expect(removed.evidence).toMatch(/^payments was at failureRate 0\.1, latency 2 ms ±1 ms before its scheduled end, not failureRate 0\.3/);
    expect(await behaviour()).toEqual({ latencyMs: 2, jitterMs: 1, failureRate: 0 });
  });
});
