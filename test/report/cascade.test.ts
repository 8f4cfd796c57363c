import { describe, expect, it } from 'vitest';
import { cascadeFigures, phaseCascadeFigures } from '../../harness/report/cascade.ts';
import { shop } from '../helpers/systems.ts';

// how the shop's declaration titles and splits its counters (metrics.show)
const SHOWN = shop.metrics!.show;

describe('cascade figures', () => {
  it('sums each counter family by its splitting label, per service', () => {
    const rows = cascadeFigures(
      {
        catalog: {
          'dependency_calls_total{dependency="postgres",result="ok"}': 900,
          'dependency_calls_total{dependency="postgres",result="timeout"}': 100,
          'dependency_calls_total{dependency="redis",result="ok"}': 40,
          'breaker_transitions_total{dependency="postgres",to="open"}': 2,
          'breaker_state{dependency="postgres"}': 0,
        },
        gateway: { 'shed_total{priority="background"}': 12, 'replica_ejections_total{replica="catalog-2"}': 1 },
      },
      SHOWN,
    );
    expect(rows).toEqual([
      { service: 'catalog', figure: 'calls to postgres', value: 1000 },
      { service: 'catalog', figure: 'calls to redis', value: 40 },
      { service: 'catalog', figure: 'breaker transitions postgres → open', value: 2 },
      { service: 'gateway', figure: 'shed background', value: 12 },
      { service: 'gateway', figure: 'replica ejections', value: 1 },
    ]);
  });

  it('has no rows when nothing was scraped', () => {
    expect(cascadeFigures({}, SHOWN)).toEqual([]);
    expect(cascadeFigures({})).toEqual([]);
  });

  it('shows breaker transitions per dependency and state entered, never summed across a service’s breakers', () => {
    const rows = cascadeFigures(
      {
        orders: {
          'breaker_transitions_total{dependency="payments",to="open"}': 3,
          'breaker_transitions_total{dependency="payments",to="closed"}': 2,
          'breaker_transitions_total{dependency="postgres",to="open"}': 1,
        },
      },
      SHOWN,
    );
    expect(rows).toEqual([
      { service: 'orders', figure: 'breaker transitions payments → closed', value: 2 },
      { service: 'orders', figure: 'breaker transitions payments → open', value: 3 },
      { service: 'orders', figure: 'breaker transitions postgres → open', value: 1 },
    ]);
  });

  it('gives breaker, shed and rate-limited counts per phase, leaving a phase that was not measured empty', () => {
    const rows = phaseCascadeFigures(
      [
        { phase: 'baseline', service: 'gateway', series: 'shed_total{priority="background"}', increase: 0 },
        { phase: 'fault', service: 'gateway', series: 'shed_total{priority="background"}', increase: 140 },
        { phase: 'recovery', service: 'gateway', series: 'shed_total{priority="background"}', increase: 3 },
        { phase: 'fault', service: 'gateway', series: 'rate_limited_total{tenant="initech",source="local"}', increase: 400 },
        { phase: 'fault', service: 'gateway', series: 'rate_limited_total{tenant="initech",source="shared"}', increase: 20 },
        { phase: 'fault', service: 'catalog-1', series: 'breaker_transitions_total{dependency="postgres",to="open"}', increase: 4 },
        { phase: 'recovery', service: 'catalog-1', series: 'breaker_transitions_total{dependency="postgres",to="open"}', increase: 0 },
        { phase: 'fault', service: 'catalog-1', series: 'http_requests_total{route="/x"}', increase: 9 },
      ],
      SHOWN,
    );
    expect(rows).toEqual([
      { service: 'catalog-1', figure: 'breaker transitions postgres → open', byPhase: { fault: 4, recovery: 0 } },
      { service: 'gateway', figure: 'shed background', byPhase: { baseline: 0, fault: 140, recovery: 3 } },
      { service: 'gateway', figure: 'rate limited initech', byPhase: { fault: 420 } },
    ]);
  });

  it('titles and splits counters as the system declares, and shows a system that declares nothing series by series', () => {
    const metrics = { api: { 'calls_made{dependency="db",result="ok"}': 5, 'calls_made{dependency="db",result="error"}': 2, queue_depth: 3 } };
    expect(cascadeFigures(metrics, [{ series: 'calls_made', by: ['dependency'], title: 'calls to' }])).toEqual([
      { service: 'api', figure: 'calls to db', value: 7 },
    ]);
    expect(cascadeFigures(metrics)).toEqual([
      { service: 'api', figure: 'calls_made{dependency="db",result="error"}', value: 2 },
      { service: 'api', figure: 'calls_made{dependency="db",result="ok"}', value: 5 },
      { service: 'api', figure: 'queue_depth', value: 3 },
    ]);
    const counters = [{ phase: 'fault' as const, service: 'api', series: 'calls_made{dependency="db",result="ok"}', increase: 4 }];
    expect(phaseCascadeFigures(counters, [{ series: 'calls_made', by: [], title: 'calls' }])).toEqual([
      { service: 'api', figure: 'calls', byPhase: { fault: 4 } },
    ]);
    expect(phaseCascadeFigures(counters)).toEqual([{ service: 'api', figure: 'calls_made{dependency="db",result="ok"}', byPhase: { fault: 4 } }]);
  });
});
