import { describe, expect, it } from 'vitest';
import { renderK6Script, vuBudget } from '../../harness/load/script.ts';

describe('renderK6Script', () => {
  const script = renderK6Script({ load: { rate: 50, duration: '20s', mix: { 'GET /products/:id': 3, 'GET /search': 1 }, productIds: 40 }, durationMs: 20_000, seed: 7 });

  it('uses an open-model constant-arrival-rate executor at the offered rate', () => {
    expect(script).toContain("executor: 'constant-arrival-rate'");
    expect(script).toContain('rate: 50,');
    expect(script).toContain("duration: '20000ms'");
  });

  it('normalises the endpoint mix into cumulative shares and seeds the random source', () => {
    expect(script).toContain('upTo: 0.75');
    expect(script).toContain('upTo: 1');
    expect(script).toContain('randomSeed(7 + __VU)');
    expect(script).toContain('const PRODUCT_IDS = 40;');
  });

  it('refuses an endpoint it cannot turn into a request', () => {
    expect(() => renderK6Script({ load: { rate: 1, duration: '1s', mix: { 'GET /nope': 1 } }, durationMs: 1000, seed: 1 })).toThrow(/GET \/nope/);
  });

  it('gives enough VUs to keep the rate when answers take up to the timeout', () => {
    expect(vuBudget(100)).toEqual({ preAllocatedVUs: 25, maxVUs: 240 });
  });
});
