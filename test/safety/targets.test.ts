// Load and faults go only to 127.0.0.1 / ::1: every place the harness sends traffic (the load
// generator's target, the Toxiproxy API, the fault probes, the metrics scrape) refuses any other
// host before a packet leaves, unless FAULTLINE_ALLOW_TARGETS names it, which is then said loudly.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../harness/cli.ts';
import { openProbe } from '../../harness/faults/probe.ts';
import { startK6 } from '../../harness/load/k6.ts';
import { scrapeMetrics } from '../../harness/observe/metrics.ts';
import { preflight } from '../../harness/preflight.ts';
import { renderJson } from '../../harness/report/json.ts';
import { addToxic, listProxies, metrics, removeToxic } from '../../harness/runtime/toxiproxy.ts';
import type { Runtime, StartedStack } from '../../harness/runtime/types.ts';
import { assertLoopback, takeAllowanceRecord } from '../../harness/safety.ts';
import { shop } from '../helpers/systems.ts';
import { makeRunResult } from '../report/fixture.ts';

const REMOTE = 'http://10.255.0.1:8474';
const refused = (what: string, target: string): RegExp =>
  new RegExp(`refusing to send traffic to ${what} at ${target.replace(/[.[\]]/g, '\\$&')}: faultline only targets 127\\.0\\.0\\.1 / ::1`);

describe('every traffic path refuses a non-loopback target', () => {
  it('the Toxiproxy API (toxics, proxies, metrics)', async () => {
    await expect(addToxic(REMOTE, 'p', { name: 't', type: 'latency', attributes: { latency: 1 } })).rejects.toThrow(refused('the Toxiproxy API', REMOTE));
    await expect(removeToxic(REMOTE, 'p', 't')).rejects.toThrow(refused('the Toxiproxy API', REMOTE));
    await expect(listProxies(REMOTE)).rejects.toThrow(refused('the Toxiproxy API', REMOTE));
    await expect(metrics(REMOTE)).rejects.toThrow(refused('the Toxiproxy API', REMOTE));
  });

  it('the probe that proves a fault landed', async () => {
    const edge = {
      edge: 'catalog->postgres',
      proxy: 'catalog_to_postgres',
      listen: '10.255.0.1:5432',
      upstream: '127.0.0.1:5432',
      protocol: 'postgres' as const,
    };
    await expect(openProbe(edge)).rejects.toThrow(refused('the probe of catalog->postgres', '10.255.0.1:5432'));
  });

  it('the load generator', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'faultline-targets-'));
    try {
      await expect(startK6({ script: '', runId: 'x', runDir: dir, baseUrl: 'http://192.0.2.7:80', onEvent: () => undefined })).rejects.toThrow(
        refused('the load generator target', 'http://192.0.2.7:80'),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the metrics scrape', async () => {
    const stack = { system: shop, services: { 'catalog-1': { name: 'catalog-1', url: 'http://203.0.113.9:9000', id: '1' } } } as unknown as StartedStack;
    await expect(scrapeMetrics(stack)).rejects.toThrow(refused('the catalog-1 metrics endpoint', 'http://203.0.113.9:9000/metrics'));
  });

  it('accepts 127.0.0.1, the rest of 127/8, ::1 and localhost', () => {
    for (const target of ['http://127.0.0.1:1', 'http://127.9.9.9:1', 'http://[::1]:8474', '[::1]:5432', 'localhost:6379'])
      expect(() => assertLoopback(target, 'x', '')).not.toThrow();
  });
});

describe('an explicitly allowed target', () => {
  it('is let through, and the run says so loudly before it starts', async () => {
    expect(() => assertLoopback('http://10.1.2.3:8080', 'gateway', '10.1.2.3')).not.toThrow();
    const runtime: Runtime = { name: 'local', check: () => undefined, start: () => Promise.reject(new Error('not started in this test')) };
    const dir = mkdtempSync(join(tmpdir(), 'faultline-targets-'));
    try {
      expect(await preflight(runtime, [], dir, { FAULTLINE_ALLOW_TARGETS: '10.1.2.3' })).toEqual([
        'WARNING: FAULTLINE_ALLOW_TARGETS=10.1.2.3 lets faultline send load and faults to 10.1.2.3 as well as to 127.0.0.1 / ::1',
      ]);
      expect(await preflight(runtime, [], dir, {})).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the allowance is visible', () => {
  it('is listed in --help', async () => {
    const lines: string[] = [];
    expect(await main(['--help'], { out: (l) => lines.push(l), err: (l) => lines.push(l) })).toBe(0);
    expect(lines.join('\n')).toMatch(/FAULTLINE_ALLOW_TARGETS=<host,\.\.\.>\s+hosts besides 127\.0\.0\.1 \/ ::1/);
  });

  it('is recorded for result.json with each target it let through, once, and only for the run that used it', () => {
    takeAllowanceRecord(); // whatever other tests in this file let through
    const env = { FAULTLINE_ALLOW_TARGETS: '10.1.2.3, 10.9.9.9' };
    assertLoopback('http://10.1.2.3:8080', 'gateway', env.FAULTLINE_ALLOW_TARGETS);
    assertLoopback('http://10.1.2.3:8080', 'gateway', env.FAULTLINE_ALLOW_TARGETS);
    assertLoopback('http://127.0.0.1:8474', 'toxiproxy API', env.FAULTLINE_ALLOW_TARGETS);
    const record = takeAllowanceRecord(env);
    expect(record).toEqual({ allowed: ['10.1.2.3', '10.9.9.9'], used: ['gateway at http://10.1.2.3:8080'] });
    expect(takeAllowanceRecord(env)).toEqual({ allowed: ['10.1.2.3', '10.9.9.9'], used: [] });
    expect(takeAllowanceRecord({})).toBeUndefined();
    const json = JSON.parse(renderJson(makeRunResult({ allowedTargets: record }))) as Record<string, unknown>;
    expect(json.allowedTargets).toEqual(record);
    expect(Object.keys(json).at(-1)).toBe('allowedTargets');
    expect(JSON.parse(renderJson(makeRunResult())) as Record<string, unknown>).not.toHaveProperty('allowedTargets');
  });
});
