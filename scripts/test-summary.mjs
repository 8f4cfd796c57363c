// Prints one plain closing line from vitest's JUnit output: "tests: N passed, N failed, N skipped".
import { readFileSync } from 'node:fs';

const xml = readFileSync(process.argv[2] ?? 'reports/vitest-junit.xml', 'utf8');
const suites = /<testsuites\b[^>]*>/.exec(xml)?.[0] ?? '';
const attr = (name) => Number(new RegExp(`\\b${name}="(\\d+)"`).exec(suites)?.[1] ?? 0);
const skipped = (xml.match(/<skipped\b/g) ?? []).length;
const failed = attr('failures') + attr('errors');
const passed = attr('tests') - failed - skipped;
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
