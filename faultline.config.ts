// This repository's own faultline config: the shop and the foreign examples, and their scenarios.
import { defineConfig } from './harness/config.ts';

export default defineConfig({
  systems: ['sample-system/system.ts', 'examples/*/system.ts'],
  scenarios: ['scenarios/*.ts', 'examples/*/scenarios/*.ts'],
  reports: 'reports',
});
