import { describe, expect, it } from 'vitest';
import { everySecondFor } from '../../harness/observe/scrape-plan.ts';
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
