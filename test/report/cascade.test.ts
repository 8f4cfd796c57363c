import { describe, expect, it } from 'vitest';
import { cascadeFigures } from '../../harness/report/cascade.ts';

describe('cascade figures', () => {
  it('sums each counter family by its splitting label, per service', () => {
    const rows = cascadeFigures({
      catalog: {
        'dependency_calls_total{dependency="postgres",result="ok"}': 900,
        'dependency_calls_total{dependency="postgres",result="timeout"}': 100,
        'dependency_calls_total{dependency="redis",result="ok"}': 40,
        'breaker_transitions_total{dependency="postgres",to="open"}': 2,
        'breaker_state{dependency="postgres"}': 0,
      },
      gateway: { 'shed_total{priority="background"}': 12, 'replica_ejections_total{replica="catalog-2"}': 1 },
    });
    expect(rows).toEqual([
      { service: 'catalog', figure: 'calls to postgres', value: 1000 },
      { service: 'catalog', figure: 'calls to redis', value: 40 },
      { service: 'catalog', figure: 'breaker transitions to open', value: 2 },
      { service: 'gateway', figure: 'shed background', value: 12 },
      { service: 'gateway', figure: 'replica ejections', value: 1 },
    ]);
  });

  it('has no rows when nothing was scraped', () => {
    expect(cascadeFigures({})).toEqual([]);
  });
});
