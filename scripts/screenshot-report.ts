// Screenshots a report with headless chromium, offline, e.g. the README's failure report:
//   node_modules/.bin/node scripts/screenshot-report.ts reports/latest docs/failure-report.png 2100
// Arguments: a report.html (or a run folder holding one), the PNG to write, and at most how many
// CSS pixels of the page, from the top, to keep (default: all). Exit 1 if the page logged an error.

import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { launchChromium } from '../test/helpers/chromium.ts';

const [target, out, maxHeight] = process.argv.slice(2);
if (target === undefined || out === undefined) {
  process.stderr.write('usage: scripts/screenshot-report.ts <report.html | run folder> <out.png> [max height in px]\n');
  process.exit(2);
}
const html = statSync(target).isDirectory() ? join(target, 'report.html') : target;
if (!existsSync(html)) {
  process.stderr.write(`no report at ${html}\n`);
  process.exit(2);
}
const browser = await launchChromium();
try {
  const page = await browser.open(pathToFileURL(resolve(html)).href, { width: 1200, height: 900 });
  await page.screenshot(out, maxHeight === undefined ? Infinity : Number(maxHeight));
  for (const error of page.errors) process.stderr.write(`page error: ${error}\n`);
  process.stdout.write(`${out}: ${(statSync(out).size / 1024).toFixed(0)} KB\n`);
  process.exitCode = page.errors.length === 0 ? 0 : 1;
} finally {
  await browser.close();
}
