// The runtimes' pure decisions: start order, the environment that wires services to their
// proxies (the declaration's templates filled in), and retrying a port that was taken between
// picking and binding it.

import { describe, expect, it } from 'vitest';
import { partCommand, partEnv, takesPort } from '../../harness/runtime/part-env.ts';
import { freePort, saysAddressInUse, withFreePort } from '../../harness/runtime/ports.ts';
import { describeCommand } from '../../harness/runtime/processes.ts';
import { startWaves } from '../../harness/system/start-order.ts';
import type { ResolvedPart, System } from '../../harness/system/system.ts';
import { shop } from '../helpers/systems.ts';

type Service = Extract<ResolvedPart, { kind: 'service' }>;
const service = (name: string): Service => shop.parts[name] as Service;
const listens: Record<string, string> = {
  'gateway->catalog-1': '127.0.0.1:1001',
  'gateway->catalog-2': '127.0.0.1:1011',
  'gateway->orders': '127.0.0.1:1004',
  'gateway->recommendations': '127.0.0.1:1005',
  'gateway->redis': '127.0.0.1:1006',
  'catalog->postgres': '127.0.0.1:1002',
  'catalog->redis': '127.0.0.1:1003',
};
const at = (port: number, replica = 1) => ({
  host: '127.0.0.1',
  port,
  replica,
  node: '/opt/node',
  root: '/shop',
  edgeAddress: (edge: string) => listens[edge],
});

describe('startWaves', () => {
  it('starts every service after the services it calls, and independent services together', () => {
    expect(startWaves(shop)).toEqual([['catalog', 'payments', 'recommendations'], ['orders'], ['gateway']]);
  });

  it('refuses a dependency cycle, naming the services in it', () => {
    const cyclic: System = {
      ...shop,
      edges: [...shop.edges, { ...(shop.edges[0] as System['edges'][number]), name: 'catalog->gateway', from: 'catalog', to: 'gateway', instance: 'gateway' }],
    };
    expect(() => startWaves(cyclic)).toThrow(/^service dependency cycle among (gateway, catalog|catalog, gateway)/);
  });
});

describe('partEnv', () => {
  it('points the catalog at Postgres and Redis through its own proxies, and tells it its port and replica', () => {
    expect(partEnv(shop, service('catalog'), [], at(4000, 2))).toEqual({
      HOST: '127.0.0.1',
      PORT: '4000',
      DATABASE_URL: 'postgres://faultline@127.0.0.1:1002/faultline',
      REDIS_URL: 'redis://127.0.0.1:1003',
      REPLICA_ID: 'catalog-2',
      RESILIENCE_DISABLE: '',
    });
  });

  it('points the gateway at each catalog replica through its own proxy, as a comma list', () => {
    expect(partEnv(shop, service('gateway'), ['breaker', 'fallback'], at(4001))).toMatchObject({
      CATALOG_URL: 'http://127.0.0.1:1001,http://127.0.0.1:1011',
      ORDERS_URL: 'http://127.0.0.1:1004',
      RECOMMENDATIONS_URL: 'http://127.0.0.1:1005',
      REDIS_URL: 'redis://127.0.0.1:1006',
      RESILIENCE_DISABLE: 'breaker,fallback',
    });
  });

  it("adds a switched-off pattern's own variables", () => {
    const system: System = {
      ...shop,
      switchEnv: undefined,
      patterns: { cache: { description: 'x', env: { CACHE_OFF: '1' } }, retry: { description: 'y', env: { RETRIES: '0' } } },
    };
    const env = partEnv(system, service('payments'), ['retry'], at(4002));
    expect(env.RETRIES).toBe('0');
    expect(env.CACHE_OFF).toBeUndefined();
    expect(env.RESILIENCE_DISABLE).toBeUndefined();
  });

  it("fills the command's templates: {{node}} is the Node the runtime found", () => {
    expect(partCommand(shop, service('gateway'), [], at(4001))).toEqual(['/opt/node', '--disable-warning=ExperimentalWarning', 'gateway/main.ts']);
    expect(takesPort(service('gateway'))).toBe(true);
  });
});

describe('ports', () => {
  it('hands out a loopback port nobody listens on', async () => {
    const port = await freePort();
    expect(port).toBeGreaterThan(1023);
  });

  it('retries with a fresh port when the first was taken in the meantime', async () => {
    const tried: number[] = [];
    const result = await withFreePort(async (port) => {
      tried.push(port);
      if (tried.length === 1) throw new Error(`redis did not start: bind: Address already in use`);
      return port;
    });
    expect(tried).toHaveLength(2);
    expect(result).toBe(tried[1]);
  });

  it('does not retry other failures', async () => {
    let calls = 0;
    await expect(
      withFreePort(async () => {
        calls++;
        throw new Error('postgres did not start: could not access directory');
      }),
    ).rejects.toThrow('could not access directory');
    expect(calls).toBe(1);
  });

  it('recognises how postgres, redis, Go and Node say the port is taken', () => {
    for (const text of [
      'could not bind IPv4 address "127.0.0.1": Address already in use',
      'listen tcp 127.0.0.1:5: bind: address already in use',
      'Error: listen EADDRINUSE: address already in use 127.0.0.1:5',
    ])
      expect(saysAddressInUse(text), text).toBe(true);
    expect(saysAddressInUse('connection refused')).toBe(false);
  });
});

describe('describeCommand', () => {
  it('quotes only what a shell would need quoted', () => {
    expect(describeCommand(['/usr/bin/redis-server', '--save', '', '--dir', '/tmp/a b', "it's"])).toBe(
      `/usr/bin/redis-server --save '' --dir '/tmp/a b' 'it'\\''s'`,
    );
  });
});
