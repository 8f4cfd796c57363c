import { describe, expect, it } from 'vitest';
import { parseGatewayConfig } from '../../sample-system/gateway/config.ts';
import { PATTERN_NAMES } from '../../sample-system/resilience/patterns.ts';
import { parseCatalogConfig } from '../../sample-system/services/catalog/config.ts';
import { EnvError } from '../../sample-system/shared/env.ts';
import { ENTRIES, runToExit } from './support/services.ts';

const catalogEnv = { PORT: '8080', DATABASE_URL: 'postgres://faultline@127.0.0.1:5432/faultline', REDIS_URL: 'redis://127.0.0.1:6379' };

function problemsOf(parse: () => unknown): readonly string[] {
  try {
    parse();
  } catch (error) {
    if (error instanceof EnvError) return error.problems;
    throw error;
  }
  return [];
}

describe('catalog environment', () => {
  it('reads a valid environment with its defaults', () => {
    const config = parseCatalogConfig({ ...catalogEnv, RESILIENCE_DISABLE: 'breaker,fallback' });
    expect(config).toMatchObject({ host: '127.0.0.1', port: 8080, replicaId: 'catalog-1' });
    expect([...config.disabled]).toEqual(['breaker', 'fallback']);
  });

  it('reports every problem at once, naming the variable and what is allowed', () => {
    expect(problemsOf(() => parseCatalogConfig({ PORT: '99999', DATABASE_URL: 'mysql://x', RESILIENCE_DISABLE: 'brakes' }))).toEqual([
      'PORT="99999" is not a TCP port (1..65535)',
      'DATABASE_URL: "mysql://x" is not a URL starting with postgres:// or postgresql://',
      'REDIS_URL is required (redis://...)',
      `RESILIENCE_DISABLE: "brakes" is not a pattern; patterns are: ${PATTERN_NAMES.join(', ')}`,
    ]);
  });

  it('makes the service exit 1 with the problems on stderr', async () => {
    const run = await runToExit(ENTRIES.catalog, { PORT: 'eighty' });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('catalog: invalid environment:\n  - PORT="eighty" is not a TCP port (1..65535)\n  - DATABASE_URL is required');
  });
});

describe('gateway environment', () => {
  it('takes a comma list of catalog replicas and a request timeout', () => {
    const config = parseGatewayConfig({ PORT: '80', CATALOG_URL: 'http://127.0.0.1:1/, http://127.0.0.1:2', REQUEST_TIMEOUT_MS: '500' });
    expect(config.catalogUrls.map((u) => u.href)).toEqual(['http://127.0.0.1:1/', 'http://127.0.0.1:2/']);
    expect(config.requestTimeoutMs).toBe(500);
  });

  it('refuses a catalog URL that is not http', () => {
    expect(problemsOf(() => parseGatewayConfig({ PORT: '80', CATALOG_URL: 'catalog:8080', REQUEST_TIMEOUT_MS: '0' }))).toEqual([
      'CATALOG_URL: "catalog:8080" is not a URL starting with http:// or https://',
      'REQUEST_TIMEOUT_MS="0" is not a positive integer',
    ]);
  });

  it('makes the service exit 1 with the problems on stderr', async () => {
    const run = await runToExit(ENTRIES.gateway, { PORT: '8080' });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('gateway: invalid environment:\n  - CATALOG_URL is required (http://... or https://...)');
  });
});
