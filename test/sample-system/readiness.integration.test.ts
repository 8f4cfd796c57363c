// Readiness vs liveness on a real catalog: with its Postgres not there yet, the process is alive
// (/health/live 200: do not restart it) but not ready (/health/ready 503: send it no traffic), and
// it keeps retrying its migrations rather than exiting; once a Postgres answers it turns ready.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DelayProxy, startDelayProxy } from './support/delay-proxy.ts';
import { freePort, missingInfra, type Started, startPostgres, startRedis } from './support/infra.ts';
import { type RunningService, startService } from './support/services.ts';

const skipReason = missingInfra();

const status = async (url: string): Promise<number> => {
  const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
  await res.arrayBuffer();
  return res.status;
};

describe.skipIf(skipReason !== undefined)(`readiness vs liveness${skipReason ? ` — skipped: ${skipReason}` : ''}`, () => {
  let tempDir = '';
  let redis: Started | undefined;
  let postgres: Started | undefined;
  let proxy: DelayProxy | undefined;
  let catalog: RunningService | undefined;

  beforeAll(async () => {
    tempDir = await mkdtemp(join(tmpdir(), 'faultline-readiness-'));
    redis = await startRedis(tempDir);
  }, 60_000);

  afterAll(async () => {
    await catalog?.stop();
    await proxy?.close();
    await Promise.all([redis?.stop(), postgres?.stop()]);
    if (tempDir) await rm(tempDir, { recursive: true, force: true });
  }, 30_000);

  it('is live but not ready while its Postgres is missing, and turns ready once one answers', async () => {
    const nobodyListens = await freePort();
    catalog = await startService(
      'catalog',
      { DATABASE_URL: `postgres://postgres@127.0.0.1:${nobodyListens}/postgres`, REDIS_URL: redis!.url, REPLICA_ID: 'catalog-1' },
      'catalog (no Postgres yet)',
      'live',
    );
    for (let i = 0; i < 4; i++) {
      expect(await status(`${catalog.url}/health/live`)).toBe(200);
      expect(await status(`${catalog.url}/health/ready`)).toBe(503);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(catalog.process.exitCode).toBeNull();
    expect(catalog.output()).toMatch(/migrations failed; retrying/);

    // a Postgres appears behind that very address (a forwarding proxy on it): the retries find it
    postgres = await startPostgres(tempDir);
    proxy = await startDelayProxy(postgres.port, '127.0.0.1', nobodyListens);
    const deadline = Date.now() + 15_000;
    while ((await status(`${catalog.url}/health/ready`)) !== 200) {
      if (Date.now() > deadline) throw new Error(`not ready 15 s after Postgres appeared:\n${catalog.output().slice(-2000)}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(await status(`${catalog.url}/health/live`)).toBe(200);
    expect((await fetch(`${catalog.url}/products/7`)).status).toBe(200);
  });
});
