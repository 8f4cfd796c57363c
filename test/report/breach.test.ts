import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { breachWithLogs, excerpt, type LogEntry, parseLogLine } from '../../harness/observe/logs.ts';
import { firstBreach } from '../../harness/verdict/breach.ts';
import { ENDPOINT, makeCheck, makeRunResult, makeSeries } from './fixture.ts';

const run = makeRunResult();
const failedAvailability = makeCheck({ status: 'fail', phase: 'fault', measured: 0.98, threshold: 0.99 });
const failedLatency = makeCheck({
  id: 'slo:latency:GET /products/:id:fault',
  name: 'p99 latency <= 300 ms',
  status: 'fail',
  phase: 'fault',
  measured: 420,
  threshold: 300,
  unit: 'ms',
});

describe('firstBreach', () => {
  it('finds the first second of the failed check’s phase in which its endpoint breached on its own', () => {
    // the fixture's fault seconds 10..19 answer 49 of 50 (98%) and have p99 420 ms
    const breach = firstBreach([failedAvailability], makeSeries(), run.phases);
    expect(breach).toMatchObject({ second: 10, check: { id: failedAvailability.id }, why: '98.00% of 50 requests answered in second 10, below 99.00%' });
    expect(
      firstBreach(
        [failedAvailability],
        makeSeries().map((p) => (p.second === 10 ? { ...p, error: 0 } : p)),
        run.phases,
      )?.second,
    ).toBe(11);
  });

  it('judges a latency check by the p99 of each second', () => {
    const series = makeSeries().map((p) => (p.second < 13 ? { ...p, p99Ms: 120 } : p));
    expect(firstBreach([failedLatency], series, run.phases)).toMatchObject({ second: 13, why: 'p99 was 420.0 ms in second 13, over 300 ms' });
  });

  it('takes the earliest breach over every failed check, and ignores passed and non-SLO checks', () => {
    const series = makeSeries().map((p) => (p.second < 15 ? { ...p, error: 0 } : p));
    const checks = [failedAvailability, failedLatency, makeCheck({ kind: 'load', status: 'fail', id: 'load:offered' }), makeCheck({ phase: 'baseline' })];
    expect(firstBreach(checks, series, run.phases)).toMatchObject({ second: 10, check: { id: failedLatency.id } });
  });

  it('falls back to the start of the phase when no single second breached, or nothing was measured', () => {
    const noSamples = makeCheck({ status: 'fail', phase: 'recovery', measured: null, why: 'no samples for GET /products/:id in the recovery phase' });
    expect(firstBreach([noSamples], [], run.phases)).toMatchObject({ second: 20, why: expect.stringContaining('no single second breached on its own') });
  });

  it('returns null for a run with no failed SLO check', () => {
    expect(firstBreach(run.checks, makeSeries(), run.phases)).toBeNull();
  });
});

const T0 = 1_700_000_000_000;
const pino = (tMs: number, msg: string, extra: Record<string, unknown> = {}, level = 40, replica = 'catalog-1') =>
  JSON.stringify({ level, time: T0 + tMs, service: 'catalog', replica, msg, ...extra });

describe('log excerpts', () => {
  it('reads pino and Toxiproxy JSON lines and skips everything without a time', () => {
    expect(parseLogLine(pino(1500, 'request failed', { status: 504, route: '/products/:id', reqId: 'a b' }), '/x/logs/catalog.log')).toEqual({
      epochMs: T0 + 1500,
      source: 'catalog-1',
      level: 'warn',
      message: 'request failed',
      fields: 'status=504 route=/products/:id reqId="a b"',
    });
    const toxiproxy = '{"level":"info","name":"catalog_to_postgres","caller":"proxy.go:204","time":"2023-11-14T22:13:21Z","message":"Accepted client"}';
    expect(parseLogLine(toxiproxy, 'logs/toxiproxy.log')).toMatchObject({
      epochMs: Date.parse('2023-11-14T22:13:21Z'),
      source: 'toxiproxy',
      level: 'info',
      message: 'Accepted client',
      fields: 'name=catalog_to_postgres',
    });
    for (const raw of [
      '--- 2026-11-23T08:57:12.443Z /usr/bin/node main.ts',
      '(node:765) [FSTDEP023] FastifyDeprecation',
      '{"msg":"no time"}',
      '{broken',
      '[1,2]',
      '',
    ])
      expect(parseLogLine(raw, 'logs/catalog.log')).toBeNull();
  });

  const entries = (lines: string[]): LogEntry[] => lines.map((l) => parseLogLine(l, 'logs/catalog.log')).filter((e): e is LogEntry => e !== null);
  const window = { loadStartEpochMs: T0, fromMs: 7000, toMs: 12_000, focusMs: 10_000 };

  it('keeps the window, in time order, and folds lines alike into the first with a count', () => {
    const logs = entries([
      pino(6999, 'before'),
      pino(10_200, 'request failed', { tenant: 'acme' }),
      pino(9000, 'pool exhausted', {}, 50),
      pino(10_900, 'request failed', { tenant: 'initech' }),
      pino(11_500, 'request failed', {}, 40, 'catalog-2'),
      pino(12_000, 'after'),
    ]);
    const { lines, omitted } = excerpt(logs, window);
    expect(lines).toEqual([
      { tMs: 9000, source: 'catalog-1', level: 'error', text: 'pool exhausted', repeats: 0, lastTMs: 9000 },
      { tMs: 10_200, source: 'catalog-1', level: 'warn', text: 'request failed tenant=acme', repeats: 1, lastTMs: 10_900 },
      { tMs: 11_500, source: 'catalog-2', level: 'warn', text: 'request failed', repeats: 0, lastTMs: 11_500 },
    ]);
    expect(omitted).toBe(0);
  });

  it('keeps the most severe lines, then those nearest the breach, when there are too many, and counts the rest', () => {
    const logs = entries([pino(7100, 'far info', {}, 30), pino(9900, 'near info', {}, 30), pino(7200, 'far error', {}, 50), pino(10_100, 'near warn', {}, 40)]);
    const { lines, omitted } = excerpt(logs, window, 2);
    expect(lines.map((l) => l.text)).toEqual(['far error', 'near warn']);
    expect(omitted).toBe(2);
  });

  it('cuts a very long line', () => {
    const { lines } = excerpt(entries([pino(10_000, 'x'.repeat(1000))]), window);
    expect(lines[0]!.text).toHaveLength(300);
    expect(lines[0]!.text.endsWith('…')).toBe(true);
  });

  let runDir: string;
  beforeEach(async () => {
    runDir = await mkdtemp(join(tmpdir(), 'faultline-breach-'));
  });
  afterEach(async () => {
    await rm(runDir, { recursive: true, force: true });
  });

  it('reads every log of the run folder into the breach, from 3 s before to 2 s after it began', async () => {
    await mkdir(join(runDir, 'logs'));
    await writeFile(
      join(runDir, 'logs', 'catalog.log'),
      ['--- header', pino(6900, 'too early'), pino(7000, 'breaker opened', {}, 40), pino(10_050, 'request failed', { status: 504 })].join('\n'),
    );
    await writeFile(join(runDir, 'logs', 'gateway.log'), `${pino(10_060, 'upstream timeout', {}, 50, 'gateway-1')}\n${pino(12_000, 'too late')}\n`);
    await writeFile(join(runDir, 'logs', 'k6.log'), '');
    await writeFile(join(runDir, 'logs', 'notes.txt'), pino(10_000, 'not a log file'));
    const series = makeSeries().map((p) => (p.second === 10 ? { ...p, error: 30 } : p));
    const first = firstBreach([failedAvailability], series, run.phases)!;
    const breach = await breachWithLogs(runDir, first, T0);
    expect(breach).toMatchObject({
      second: 10,
      checkId: failedAvailability.id,
      phase: 'fault',
      endpoint: ENDPOINT,
      fromMs: 7000,
      toMs: 12_000,
      omitted: 0,
      files: ['logs/catalog.log', 'logs/gateway.log', 'logs/k6.log'],
    });
    expect(breach.lines.map((l) => `${l.tMs} ${l.source} ${l.text}`)).toEqual([
      '7000 catalog-1 breaker opened',
      '10050 catalog-1 request failed status=504',
      '10060 gateway-1 upstream timeout',
    ]);
  });

  it('gives an empty excerpt when the run folder has no logs', async () => {
    const first = firstBreach([failedAvailability], makeSeries(), run.phases)!;
    expect(await breachWithLogs(runDir, first, T0)).toMatchObject({ lines: [], files: [] });
  });
});
