// The local runtime's pure decisions: start order, the environment that wires services to their
// proxies, and retrying a port that was taken between picking and binding it.

import { describe, expect, it } from 'vitest';
import { dependencyEnv, serviceStartOrder } from '../../harness/runtime/local.ts';
import { freePort, saysAddressInUse, withFreePort } from '../../harness/runtime/ports.ts';
import { describeCommand } from '../../harness/runtime/processes.ts';
import { EDGES, SERVICES, type EdgeSpec } from '../../harness/topology.ts';

const edge = (listen: string, name: string) => ({ edge: name, proxy: name.replace('->', '_to_'), listen, upstream: 'x' });

describe('serviceStartOrder', () => {
  it('starts every service after the services it calls', () => {
    expect(serviceStartOrder(SERVICES, EDGES)).toEqual(['catalog', 'payments', 'orders', 'recommendations', 'gateway']);
  });

  it('refuses a dependency cycle, naming it', () => {
    const cycle: EdgeSpec[] = [
      { name: 'gateway->catalog', from: 'gateway', to: 'catalog', proxy: 'a' },
      { name: 'catalog->gateway', from: 'catalog', to: 'gateway', proxy: 'b' },
    ];
    expect(() => serviceStartOrder(SERVICES, cycle)).toThrow('service dependency cycle: gateway -> catalog -> gateway');
  });
});

describe('dependencyEnv', () => {
  const edges = {
    'gateway->catalog-1': edge('127.0.0.1:1001', 'gateway->catalog-1'),
    'gateway->catalog-2': edge('127.0.0.1:1011', 'gateway->catalog-2'),
    'gateway->orders': edge('127.0.0.1:1004', 'gateway->orders'),
    'gateway->recommendations': edge('127.0.0.1:1005', 'gateway->recommendations'),
    'gateway->redis': edge('127.0.0.1:1006', 'gateway->redis'),
    'catalog->postgres': edge('127.0.0.1:1002', 'catalog->postgres'),
    'catalog->redis': edge('127.0.0.1:1003', 'catalog->redis'),
  };

  it('points the catalog at Postgres and Redis through their proxies', () => {
    expect(dependencyEnv('catalog', edges, EDGES)).toEqual({ DATABASE_URL: 'postgres://faultline@127.0.0.1:1002/faultline', REDIS_URL: 'redis://127.0.0.1:1003' });
  });

  it('points the gateway at each catalog replica through its own proxy, as a comma list', () => {
    expect(dependencyEnv('gateway', edges, EDGES)).toEqual({
      CATALOG_URL: 'http://127.0.0.1:1001,http://127.0.0.1:1011',
      ORDERS_URL: 'http://127.0.0.1:1004',
      RECOMMENDATIONS_URL: 'http://127.0.0.1:1005',
      REDIS_URL: 'redis://127.0.0.1:1006',
    });
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
    await expect(withFreePort(async () => {
      calls++;
      throw new Error('postgres did not start: could not access directory');
    })).rejects.toThrow('could not access directory');
    expect(calls).toBe(1);
  });

  it('recognises how postgres, redis, Go and Node say the port is taken', () => {
    for (const text of ['could not bind IPv4 address "127.0.0.1": Address already in use', 'listen tcp 127.0.0.1:5: bind: address already in use', 'Error: listen EADDRINUSE: address already in use 127.0.0.1:5'])
      expect(saysAddressInUse(text), text).toBe(true);
    expect(saysAddressInUse('connection refused')).toBe(false);
  });
});

describe('describeCommand', () => {
  it('quotes only what a shell would need quoted', () => {
    expect(describeCommand(['/usr/bin/redis-server', '--save', '', '--dir', '/tmp/a b', "it's"])).toBe(`/usr/bin/redis-server --save '' --dir '/tmp/a b' 'it'\\''s'`);
  });
});
