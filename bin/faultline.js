#!/usr/bin/env node
// The `faultline` command. Plain JavaScript that any Node (18 and later) can start: faultline
// itself needs Node >= 22.22 (testcontainers, and type stripping to load a team's .ts systems and
// scenarios), so under an older Node this re-starts the CLI under the Node 24 that faultline
// depends on (the `node` package), passing signals on and exiting with its exit code.

import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
// compiled (an installed package) or, in the repository, the TypeScript itself
const cli = [join(here, '..', 'dist', 'harness', 'cli.js'), join(here, '..', 'harness', 'cli.ts')].find((f) => {
  try {
    accessSync(f, constants.R_OK);
    return true;
  } catch {
    return false;
  }
});
const [major, minor] = process.versions.node.split('.').map(Number);
// the options the harness's Node starts with: harness/node-flags.ts says why (a test keeps the two the same)
const HARNESS_NODE_FLAGS = ['--disable-warning=ExperimentalWarning', '--expose-gc', '--max-opt=1'];
const enough = major > 22 || (major === 22 && minor >= 22);

function broughtNode() {
  try {
    const bin = join(dirname(createRequire(import.meta.url).resolve('node/package.json')), 'bin', 'node');
    accessSync(bin, constants.X_OK);
    return bin;
  } catch {
    return undefined;
  }
}

if (cli === undefined) {
  process.stderr.write(`faultline: its CLI is missing (no dist/harness/cli.js beside ${here}): reinstall faultline\n`);
  process.exit(2);
} else if (enough && (cli.endsWith('.js') || major >= 24)) {
  process.env.FAULTLINE_BIN = 'faultline';
  const { main } = await import(pathToFileURL(cli).href);
  process.exit(await main(process.argv.slice(2)));
} else {
  const node = broughtNode();
  if (node === undefined) {
    process.stderr.write(
      `faultline: needs Node >= 22.22 (this is ${process.version}), and the Node 24 it brings (the npm package "node") is not installed.\n` +
        `  npm 12 blocks install scripts unless allowed: run \`npm approve-scripts node\` (or add "allowScripts": { "node": true } to package.json), then \`npm rebuild node\`;\n` +
        `  or run faultline under Node >= 22.22.\n`,
    );
    process.exit(2);
  }
  const child = spawn(node, [...HARNESS_NODE_FLAGS, cli, ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, FAULTLINE_BIN: 'faultline' },
    // its own process group: a terminal's Ctrl-C reaches it once, passed on from here, not twice
    detached: true,
  });
  for (const name of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(name, () => child.kill(name));
  child.on('exit', (code, signal) => process.exit(code ?? (signal === 'SIGINT' ? 130 : 2)));
}
