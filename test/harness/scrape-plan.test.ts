import { describe, expect, it } from 'vitest';
import { everySecondFor, everySecondPhases, phaseNow } from '../../harness/observe/scrape-plan.ts';
import type { CascadeSpec } from '../../harness/scenario.ts';
import type { EdgeSpec, System } from '../../harness/system/system.ts';
import { breakerOpens, retryAmplification } from '../../harness/verdict/cascade.ts';
import { shop as declaredShop } from '../helpers/systems.ts';

const edge = (from: string, to: string): EdgeSpec => ({ name: `${from}->${to}`, from, to, proxy: `${from}_to_${to}`, instance: to, protocol: 'tcp', port: 1 });
const instance = (name: string, part: string, replica = 1) => ({ name, part, replica });
const shop: Pick<System, 'edges' | 'instances' | 'entry' | 'metrics'> = {
  entry: 'gateway',
  edges: [edge('gateway', 'catalog'), edge('gateway', 'orders'), edge('catalog', 'postgres'), edge('orders', 'postgres'), edge('orders', 'payments')],
  instances: [
    instance('postgres', 'postgres'),
    instance('gateway', 'gateway'),
    instance('catalog-1', 'catalog', 1),
    instance('catalog-2', 'catalog', 2),
    instance('orders', 'orders'),
    instance('payments', 'payments'),
    instance('recommendations', 'recommendations'),
  ],
  metrics: {
    path: '/metrics',
    // the shop's own series names: the plan reads the calls and requests series by them
    series: declaredShop.metrics?.series ?? {},
    keep: [],
    parts: ['gateway', 'catalog', 'orders', 'payments', 'recommendations'],
    show: [],
    phaseCounters: [],
  },
};
const fastOf = (cascade: CascadeSpec[], values: Record<string, Record<string, number>> = {}): string[] => {
  const everySecond = everySecondFor(shop, cascade);
  return ['gateway', 'catalog-1', 'catalog-2', 'orders', 'payments', 'recommendations'].filter((i) => everySecond(i, values[i] ?? {}));
};

describe('everySecondFor (which instances the scraper asks every second)', () => {
  it('asks none every second when no check reads per-second counts', () => {
    expect(fastOf([])).toEqual([]);
    expect(fastOf([breakerOpens({ dependency: 'postgres', min: 1 })])).toEqual([]);
  });

  it('asks every caller of the dependency and the entry for retry amplification per request', () => {
    expect(fastOf([retryAmplification({ dependency: 'postgres', max: 1.5 })])).toEqual(['gateway', 'catalog-1', 'catalog-2', 'orders']);
  });

  it('leaves the entry out when amplification is judged per call', () => {
    expect(fastOf([retryAmplification({ dependency: 'payments', max: 1.35, per: 'call' })])).toEqual(['orders']);
  });

  it('adds an instance seen counting calls to the dependency that no edge shows', () => {
    const values = {
      recommendations: { 'dependency_calls_total{dependency="postgres",outcome="ok"}': 3 },
      payments: { 'dependency_calls_total{dependency="redis",outcome="ok"}': 3, 'breaker_state{dependency="postgres"}': 0 },
    };
    expect(fastOf([retryAmplification({ dependency: 'postgres', max: 1.5, per: 'call' })], values)).toEqual([
      'catalog-1',
      'catalog-2',
      'orders',
      'recommendations',
    ]);
  });
});

describe('everySecondPhases and phaseNow (when the per-second instances are asked)', () => {
  it('asks them in the phases the retry amplification checks judge: the fault phase unless one names another', () => {
    expect([...everySecondPhases([])]).toEqual([]);
    expect([...everySecondPhases([breakerOpens({ dependency: 'postgres', min: 1 })])]).toEqual([]);
    expect([...everySecondPhases([retryAmplification({ dependency: 'postgres', max: 1.5 })])]).toEqual(['fault']);
    expect([
      ...everySecondPhases([
        retryAmplification({ dependency: 'postgres', max: 1.5 }),
        retryAmplification({ dependency: 'payments', max: 1.2, phase: 'recovery' }),
      ]),
    ]).toEqual(['fault', 'recovery']);
  });

  it('reads the phase from the faults: none applied, one still in force, every one removed', () => {
    const at = (appliedAtMs: number | null, removedAtMs: number | null) => ({ appliedAtMs, removedAtMs });
    expect(phaseNow([at(null, null), at(null, null)])).toBe('baseline');
    expect(phaseNow([at(4000, null), at(null, null)])).toBe('fault');
    expect(phaseNow([at(4000, 9000), at(null, null)])).toBe('fault'); // a later fault is still to come
    expect(phaseNow([at(4000, 9000), at(6000, 9100)])).toBe('recovery');
  });
});
