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
    expect(vuBudget(100)).toEqual({ preAllocatedVUs: 100, maxVUs: 240 });
  });
});

describe('renderK6Script with load-shaped faults', () => {
  const script = renderK6Script({
    load: { rate: 40, duration: '30s', mix: { 'GET /products/:id': 1 }, priorities: { critical: 1, background: 1 } },
    durationMs: 30_000,
    seed: 3,
    faultTraffic: [{ id: 'faultline-0-poisonPill', atMs: 8000, forMs: 12_000, traffic: { ratePerSecond: 2, tenants: { initech: 1 }, mix: { 'GET /search': 1 }, searchQuery: 'poison:hang:initech' } }],
  });

  it('runs the fault traffic as its own constant-arrival-rate scenario from at for its duration', () => {
    expect(script).toContain("fault_0: {\n      executor: 'constant-arrival-rate',\n      exec: 'fault_0',\n      rate: 2,");
    expect(script).toContain("startTime: '8000ms',\n      duration: '12000ms',");
    expect(script).toContain('export function fault_0(data) {\n  send(TRAFFIC.fault_0, data);');
  });

  it('ramps a fault traffic given rampMs: from 0 to its rate over the ramp, then holds to the end of its window', () => {
    const ramped = renderK6Script({
      load: { rate: 40, duration: '30s', mix: { 'GET /products/:id': 1 } },
      durationMs: 30_000,
      seed: 3,
      faultTraffic: [{ id: 'faultline-0-loadSpike', atMs: 8000, forMs: 12_000, rampMs: 3000, traffic: { ratePerSecond: 200 } }],
    });
    expect(ramped).toContain("executor: 'ramping-arrival-rate',\n      exec: 'fault_0',\n      startRate: 0,");
    expect(ramped).toContain("startTime: '8000ms',\n      stages: [{ target: 200, duration: '3000ms' }, { target: 200, duration: '9000ms' }],");
  });

  it('tags each sample with its source, priority and Retry-After, and sends the fixed payload', () => {
    expect(script).toContain('source: "faultline-0-poisonPill"');
    expect(script).toContain("'/search?q=' + encodeURIComponent(\"poison:hang:initech\")");
    expect(script).toContain('tenants: [["initech",1]]');
    expect(script).toContain('priorities: [["critical",0.5],["background",1]]');
    expect(script).toContain("retry: res.headers['Retry-After'] ? '1' : ''");
  });
});
