import { describe, expect, it } from 'vitest';
import { createSingleFlight } from '../../sample-system/resilience/single-flight.ts';

function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: Error) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

describe('single flight', () => {
  it('runs the work once for concurrent calls with the same key, and gives all of them its result', async () => {
    let coalesced = 0;
    const flight = createSingleFlight({ enabled: true, onCoalesced: () => coalesced++ });
    const gate = deferred<string>();
    let runs = 0;
    const work = (): Promise<string> => (runs++, gate.promise);
    const calls = Array.from({ length: 5 }, () => flight.run('product:7', work));
    expect(flight.inFlight()).toBe(1);
    gate.resolve('row');
    expect(await Promise.all(calls)).toEqual(['row', 'row', 'row', 'row', 'row']);
    expect(runs).toBe(1);
    expect(coalesced).toBe(4);
  });

  it('shares a failure too, and forgets the key once it settled', async () => {
    const flight = createSingleFlight({ enabled: true });
    const gate = deferred<string>();
    const calls = [flight.run('k', () => gate.promise), flight.run('k', () => gate.promise)];
    gate.reject(new Error('timeout'));
    for (const c of calls) await expect(c).rejects.toThrow('timeout');
    expect(flight.inFlight()).toBe(0);
    expect(await flight.run('k', async () => 'fresh')).toBe('fresh');
  });

  it('keeps different keys apart', async () => {
    const flight = createSingleFlight({ enabled: true });
    let runs = 0;
    await Promise.all(['a', 'b', 'a'].map((k) => flight.run(k, async () => (runs++, k))));
    expect(runs).toBe(2);
  });

  it('switched off, runs every call', async () => {
    const flight = createSingleFlight({ enabled: false });
    let runs = 0;
    await Promise.all([1, 2, 3].map(() => flight.run('k', async () => runs++)));
    expect(runs).toBe(3);
  });
});
