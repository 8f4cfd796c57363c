import { describe, expect, it } from 'vitest';
import { defineScenario, faults, slo } from '../../harness/define.ts';
import { killFault } from '../../harness/faults/kill.ts';
import { probeTarget } from '../../harness/faults/part.ts';
import { pauseFault } from '../../harness/faults/pause.ts';
import type { StartedStack } from '../../harness/runtime/types.ts';
import { ScenarioError, validateScenario } from '../../harness/scenario.ts';
import { controllableParts } from '../../harness/system/system.ts';
import { shop } from '../helpers/systems.ts';

const CONTROLLABLE_PARTS = controllableParts(shop);
const PARTS_LIST = 'postgres, redis, gateway, catalog-1, catalog-2, orders, payments, recommendations';

function problems(fault: unknown): string[] {
  const s = defineScenario({
    system: 'shop',
    name: 'x-parts',
    description: 'a test scenario',
    load: { rate: 20, duration: '30s', mix: { 'GET /products/:id': 1 } },
    faults: [{ at: '10s', for: '10s', fault: fault as ReturnType<typeof faults.kill> }],
    slos: [slo.availability({ endpoint: 'GET /products/:id', min: 0.99 })],
    protectedBy: ['outlier-ejection'],
  });
  try {
    validateScenario(s, 'scenarios/x-parts.ts', shop);
    return [];
  } catch (error) {
    if (error instanceof ScenarioError) return error.problems;
    throw error;
  }
}

describe('kill and pause faults: parameters', () => {
  it('may aim at the dependencies and every service instance, never at Toxiproxy', () => {
    expect(CONTROLLABLE_PARTS.join(', ')).toBe(PARTS_LIST);
  });

  it.each([
    ['kill', faults.kill],
    ['pause', faults.pause],
  ] as const)('%s: accepts every part', (_kind, make) => {
    for (const part of CONTROLLABLE_PARTS) expect(problems(make({ part }))).toEqual([]);
  });

  it.each([
    ['kill', 'catalog-3', `scenarios/x-parts.ts: faults[0].fault.part "catalog-3" is not a part; parts are: ${PARTS_LIST}`],
    ['pause', 'toxiproxy', `scenarios/x-parts.ts: faults[0].fault.part "toxiproxy" is not a part; parts are: ${PARTS_LIST}`],
    ['kill', 'catalog', `scenarios/x-parts.ts: faults[0].fault.part "catalog" is not a part; parts are: ${PARTS_LIST}`],
    ['pause', undefined, `scenarios/x-parts.ts: faults[0].fault.part undefined is not a part; parts are: ${PARTS_LIST}`],
  ])('%s of %j is refused, naming the field, the value and the parts', (kind, part, message) => {
    expect(problems({ kind, params: part === undefined ? {} : { part } })).toEqual([message]);
  });

  it('refuses a field it does not take, suggesting the right one', () => {
    expect(problems({ kind: 'kill', params: { part: 'redis', signal: 'SIGTERM' } })).toEqual([
      'scenarios/x-parts.ts: faults[0].fault.signal is not a field of a kill fault; fields are: part',
    ]);
    expect(problems({ kind: 'pause', params: { prt: 'redis' } })[0]).toMatch(/faults\[0\]\.fault\.prt is not a field of a pause fault \(did you mean part\?\)/);
  });

  it('describes and targets the part', () => {
    expect(killFault.describe({ part: 'postgres' })).toBe('postgres killed (SIGKILL), started again at the end');
    expect(pauseFault.describe({ part: 'catalog-2' })).toBe('catalog-2 frozen (SIGSTOP / docker pause), resumed at the end');
    expect(killFault.target({ part: 'redis' })).toBe('redis');
  });
});

describe('probe target of a part', () => {
  const edge = (name: string) => ({ edge: name, proxy: name.replace('->', '_to_'), listen: '127.0.0.1:1', upstream: '127.0.0.1:2' });
  const stack = {
    system: shop,
    edges: Object.fromEntries(['gateway->catalog-2', 'gateway->redis', 'catalog->postgres'].map((n) => [n, edge(n)])),
    services: { gateway: { name: 'gateway', url: 'http://127.0.0.1:4321', id: '9' } },
  } as unknown as StartedStack;

  it('goes through the first edge into the part, as its callers do', () => {
    expect(probeTarget(stack, 'catalog-2').edge).toBe('gateway->catalog-2');
    expect(probeTarget(stack, 'redis').edge).toBe('gateway->redis');
    expect(probeTarget(stack, 'postgres').edge).toBe('catalog->postgres');
  });

  it('goes straight to the gateway, which no edge reaches', () => {
    expect(probeTarget(stack, 'gateway')).toMatchObject({ edge: 'harness->gateway', listen: '127.0.0.1:4321' });
  });
});
