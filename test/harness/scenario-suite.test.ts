// The default suite as files: every scenario in scenarios/ is found through faultline.config.ts,
// loads and validates against the shop, is named as its file, documents what it injects, asserts
// and why, and names patterns that protect it.

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_FILE, loadConfig } from '../../harness/config.ts';
import { loadScenarios, openCatalog } from '../../harness/discovery.ts';
import { PROJECT_ROOT, SCENARIOS_DIR } from '../../harness/paths.ts';

const catalog = await openCatalog(await loadConfig(join(PROJECT_ROOT, CONFIG_FILE)));
const names = [...catalog.scenarioFiles]
  .filter(([, file]) => dirname(file) === SCENARIOS_DIR)
  .map(([name]) => name)
  .sort();

describe('the default scenario suite', () => {
  it('has the scenarios the product promises', () => {
    const promised = [
      'postgres-latency',
      'postgres-down',
      'redis-outage',
      'payments-packet-loss',
      'payments-blackhole',
      'catalog-replica-crash',
      'catalog-replica-gray',
      'poison-pill',
      'noisy-neighbour',
      'load-spike',
      'retry-storm',
      'recommendations-down',
    ];
    expect(names.filter((n) => promised.includes(n)).sort()).toEqual([...promised].sort());
  });

  it.each(names)('%s validates, is documented and names what protects it', async (name) => {
    const [scenario] = await loadScenarios([name], catalog);
    expect(scenario?.name).toBe(name);
    expect(scenario?.system.name, 'the default suite tests the shop').toBe('shop');
    expect(scenario?.protectedBy.length).toBeGreaterThan(0);
    expect(scenario?.faults.length, 'a scenario without a fault tests nothing').toBeGreaterThan(0);
    const text = readFileSync(join(SCENARIOS_DIR, `${name}.ts`), 'utf8');
    for (const heading of ['Injects:', 'Asserts:', 'Why:']) expect(text, `${name}.ts documents ${heading}`).toContain(`// ${heading}`);
    // `npm run chaos -- --all` must stay under 8 minutes for the whole suite on 2 cores
    // (with adaptive phases the load runs for the sum of their maxima at most)
    expect(scenario?.durationMs).toBeLessThanOrEqual(30_000);
  });
});
