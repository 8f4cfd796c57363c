// Pure parts of the docker runtime: how images are named (the start order is system/start-order.ts,
// tested in test/runtime/wiring.test.ts), and the networks a compose system's edges get.

import { describe, expect, it } from 'vitest';
import { edgeNetworks } from '../../harness/runtime/docker-interpose.ts';
import { planImages } from '../../harness/runtime/images.ts';
import { shop } from '../helpers/systems.ts';

describe('edgeNetworks', () => {
  it('gives each edge a network of its own, with the callee instance and the port its caller dials', () => {
    const nets = edgeNetworks(shop, 'faultline-run');
    expect(nets).toHaveLength(shop.edges.length);
    expect(new Set(nets.map((n) => n.network)).size).toBe(shop.edges.length);
    expect(nets.filter((n) => n.caller === 'gateway').map((n) => `${n.callee}:${n.port}`)).toEqual([
      'catalog-1:8080',
      'catalog-2:8080',
      'orders:8080',
      'recommendations:8080',
      'redis:6379',
    ]);
    expect(nets.find((n) => n.edge === 'orders->postgres')).toMatchObject({ caller: 'orders', callee: 'postgres', port: 5432 });
  });
});

describe('planImages', () => {
  it('names each image by a content hash that stays the same for the same inputs', async () => {
    const [first, second] = [await planImages({}), await planImages({})];
    for (const part of ['postgres', 'redis', 'toxiproxy', 'node'] as const) {
      expect(first.images[part].ref).toMatch(new RegExp(`^faultline/${part}:[0-9a-f]{12}$`));
      expect(second.images[part].ref).toBe(first.images[part].ref);
      expect(first.images[part].dockerfile).toContain(`FROM ${first.base.ref}`);
    }
  });

  it('runs an image the user names instead, and never builds it', async () => {
    const plan = await planImages({ FAULTLINE_IMAGE_POSTGRES: 'postgres:15' });
    expect(plan.images.postgres).toMatchObject({ ref: 'postgres:15', override: true });
    expect(plan.images.redis.override).toBe(false);
  });
});
