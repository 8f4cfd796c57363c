import { describe, expect, it } from 'vitest';
import { Recording } from '../../harness/load/recording.ts';
import type { Outcome } from '../../harness/types.ts';
import { blastRadiusCheck, blastRadiusMatrix } from '../../harness/verdict/blast-radius.ts';
import { availability, latency } from '../../harness/verdict/slo.ts';

function recording(rows: [number, string, string, Outcome][]): Recording {
  const r = new Recording();
  for (const [tMs, endpoint, tenant, outcome] of rows) r.add({ tMs, endpoint, tenant, outcome, status: outcome === 'error' ? 503 : 200, latencyMs: 5 });
  r.setPhases([
    { name: 'baseline', startMs: 0, endMs: 100 },
    { name: 'fault', startMs: 100, endMs: 200 },
    { name: 'recovery', startMs: 200, endMs: 300 },
  ]);
  return r;
}

const slos = [availability({ endpoint: 'GET /products/:id', min: 0.9 }), availability({ endpoint: 'GET /search', min: 0.9 })];
const everyPhase = (endpoint: string, tenant: string, faultOutcome: Outcome): [number, string, string, Outcome][] => [
  [10, endpoint, tenant, 'ok'],
  [110, endpoint, tenant, faultOutcome],
  [210, endpoint, tenant, 'ok'],
];

describe('blast radius', () => {
  it('judges every endpoint x tenant x phase cell and passes when all hold', () => {
    const r = recording([...everyPhase('GET /products/:id', 'acme', 'degraded'), ...everyPhase('GET /search', 'acme', 'ok')]);
    const cells = blastRadiusMatrix({ slos, endpoints: ['GET /products/:id', 'GET /search'], tenants: ['acme'], stats: r.stats.bind(r) });
    expect(cells).toHaveLength(6);
    expect(cells.every((c) => c.holds === true)).toBe(true);
    expect(blastRadiusCheck(cells, slos)).toMatchObject({ status: 'pass', measured: 0 });
  });

  it('fails when a cell outside mayBreach breaches, naming endpoint, tenant and phase', () => {
    const r = recording([...everyPhase('GET /products/:id', 'acme', 'ok'), ...everyPhase('GET /search', 'globex', 'error')]);
    const cells = blastRadiusMatrix({ slos, endpoints: ['GET /products/:id', 'GET /search'], tenants: ['acme', 'globex'], stats: r.stats.bind(r) });
    const check = blastRadiusCheck(cells, slos);
    expect(check.status).toBe('fail');
    expect(check.why).toContain('GET /search / globex / fault');
  });

  it('lets the endpoints in mayBreach breach', () => {
    const r = recording([...everyPhase('GET /products/:id', 'acme', 'error'), ...everyPhase('GET /search', 'acme', 'ok')]);
    const cells = blastRadiusMatrix({
      slos,
      endpoints: ['GET /products/:id', 'GET /search'],
      tenants: ['acme'],
      stats: r.stats.bind(r),
      spec: { mayBreach: ['GET /products/:id'] },
    });
    expect(cells.find((c) => c.phase === 'fault' && c.endpoint === 'GET /products/:id')?.holds).toBe(false);
    expect(blastRadiusCheck(cells, slos).status).toBe('pass');
  });

  it('is inconclusive when a guarded cell has no samples', () => {
    const r = recording([...everyPhase('GET /products/:id', 'acme', 'ok'), [10, 'GET /search', 'acme', 'ok']]);
    const cells = blastRadiusMatrix({ slos, endpoints: ['GET /products/:id', 'GET /search'], tenants: ['acme'], stats: r.stats.bind(r) });
    expect(blastRadiusCheck(cells, slos)).toMatchObject({ status: 'inconclusive' });
  });
});

describe('blast radius by tenant', () => {
  it('lets the named tenant breach while every other tenant must hold', () => {
    const r = recording([...everyPhase('GET /products/:id', 'acme', 'error'), ...everyPhase('GET /products/:id', 'globex', 'ok')]);
    const one = [availability({ endpoint: 'GET /products/:id', min: 0.9 })];
    const cells = blastRadiusMatrix({
      slos: one,
      endpoints: ['GET /products/:id'],
      tenants: ['acme', 'globex'],
      stats: r.stats.bind(r),
      spec: { tenants: ['acme'] },
    });
    expect(cells.filter((c) => c.tenant === 'acme').every((c) => c.mayBreach)).toBe(true);
    const check = blastRadiusCheck(cells, one);
    expect(check).toMatchObject({ status: 'pass', measured: 0 });
    expect(check.why).toContain('1 cells allowed to breach (mayBreach) did');
    const strict = blastRadiusMatrix({
      slos: one,
      endpoints: ['GET /products/:id'],
      tenants: ['acme', 'globex'],
      stats: r.stats.bind(r),
      spec: { tenants: ['globex'] },
    });
    expect(blastRadiusCheck(strict, one)).toMatchObject({ status: 'fail', measured: 1 });
  });

  it("never counts a fault's own traffic against a victim's cell", () => {
    const r = recording(everyPhase('GET /products/:id', 'globex', 'ok'));
    for (let i = 0; i < 20; i++)
      r.add({ tMs: 120, endpoint: 'GET /products/:id', tenant: 'globex', outcome: 'error', status: 429, latencyMs: 1, source: 'faultline-0-noisyNeighbour' });
    const one = [availability({ endpoint: 'GET /products/:id', min: 0.9 })];
    const cells = blastRadiusMatrix({ slos: one, endpoints: ['GET /products/:id'], tenants: ['globex'], stats: r.stats.bind(r) });
    expect(cells.find((c) => c.phase === 'fault')).toMatchObject({ ok: 1, error: 0, holds: true });
    expect(r.stats({ phase: 'fault', source: 'faultline-0-noisyNeighbour' }).error).toBe(20);
  });

  it('judges a priority-scoped SLO on that priority only, and calls a cell without such samples unmeasured', () => {
    const r = recording([]);
    r.add({ tMs: 110, endpoint: 'GET /products/:id', tenant: 'acme', outcome: 'ok', status: 200, latencyMs: 5, priority: 'critical' });
    r.add({ tMs: 120, endpoint: 'GET /products/:id', tenant: 'acme', outcome: 'error', status: 503, latencyMs: 1, priority: 'background' });
    r.add({ tMs: 130, endpoint: 'GET /products/:id', tenant: 'globex', outcome: 'ok', status: 200, latencyMs: 5, priority: 'background' });
    const critical = [availability({ endpoint: 'GET /products/:id', min: 0.99, priority: 'critical', phases: ['fault'] })];
    const cells = blastRadiusMatrix({ slos: critical, endpoints: ['GET /products/:id'], tenants: ['acme', 'globex'], stats: r.stats.bind(r) });
    expect(cells.find((c) => c.tenant === 'acme' && c.phase === 'fault')?.holds).toBe(true);
    expect(cells.find((c) => c.tenant === 'globex' && c.phase === 'fault')?.holds).toBe(null);
  });
  it('calls a breach decided when its availability is decided failing, though a p99 beside it is marginal', () => {
    // measured in CI: 110 fault-phase reads per tenant, every one an error; 110 samples cannot bound a p99 from
    // above, so the latency SLO passed marginally, and that used to mark the whole breach "marginal"
    const rows: [number, string, string, Outcome][] = [];
    for (let i = 0; i < 110; i++) rows.push([10, 'GET /search', 'acme', 'ok'], [110, 'GET /search', 'acme', 'error'], [210, 'GET /search', 'acme', 'ok']);
    const r = recording(rows);
    const both = [availability({ endpoint: 'GET /search', min: 0.99 }), latency({ endpoint: 'GET /search', p: 99, maxMs: 300 })];
    const cells = blastRadiusMatrix({ slos: both, endpoints: ['GET /search'], tenants: ['acme'], stats: r.stats.bind(r) });
    const fault = cells.find((c) => c.phase === 'fault');
    expect(fault).toMatchObject({ holds: false });
    expect(fault?.marginal).toBeUndefined();
    const check = blastRadiusCheck(cells, both);
    expect(check).toMatchObject({ status: 'fail', marginal: false, measured: 1 });
    expect(check.why).not.toContain('marginal');
    // a cell that holds, with the p99 held by its point estimate only, is marginal
    expect(cells.find((c) => c.phase === 'baseline')).toMatchObject({ holds: true, marginal: true });
  });
});
