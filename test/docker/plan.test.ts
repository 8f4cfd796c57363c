// Pure parts of the docker runtime: the order services start in, and how images are named.

import { describe, expect, it } from 'vitest';
import { startWaves } from '../../harness/runtime/docker.ts';
import { planImages } from '../../harness/runtime/images.ts';
import type { EdgeSpec, ServiceName } from '../../harness/topology.ts';

const edge = (from: string, to: string): EdgeSpec => ({ name: `${from}->${to}`, from, to, proxy: `${from}_to_${to}` }) as EdgeSpec;

describe('startWaves', () => {
  it('starts a service only after every service it calls, and independent services together', () => {
    const services = ['gateway', 'catalog', 'orders', 'payments'] as unknown as ServiceName[];
    const edges = [edge('gateway', 'catalog'), edge('gateway', 'orders'), edge('orders', 'payments'), edge('catalog', 'postgres'), edge('orders', 'redis')];
    expect(startWaves(services, edges)).toEqual([['catalog', 'payments'], ['orders'], ['gateway']]);
  });

  it('refuses a dependency cycle, naming the services in it', () => {
    const services = ['a', 'b'] as unknown as ServiceName[];
    expect(() => startWaves(services, [edge('a', 'b'), edge('b', 'a')])).toThrow('service dependency cycle among a, b');
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
