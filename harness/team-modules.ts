// A team's faultline.config.ts, system declaration and scenarios are TypeScript with `import` and
// `export`, loaded by Node's own type stripping. In a project whose package.json says
// "type": "commonjs" (what `npm init -y` writes), Node would read them as CommonJS and fail on the
// first `import`; a module hook (node:module registerHooks, Node >= 22.15) loads every .ts file
// outside node_modules that Node took for CommonJS as an ES module instead. Files that are ES
// modules already (this repository is "type": "module") pass through untouched.

import * as nodeModule from 'node:module';

type LoadHook = (url: string, context: { format?: string | null }, next: (url: string, context?: object) => unknown) => unknown;
const registerHooks = (nodeModule as unknown as { registerHooks?: (hooks: { load: LoadHook }) => void }).registerHooks;

/** Whether a .ts file Node resolved with `format` is one this hook loads as an ES module. */
export function loadsAsModule(url: string, format: string | null | undefined): boolean {
  return url.startsWith('file:') && url.endsWith('.ts') && !url.includes('/node_modules/') && (format === 'commonjs-typescript' || format === 'commonjs');
}

let registered = false;

/** Registers the hook once (a no-op on a Node without registerHooks, where .ts files need "type": "module"). */
export function loadTeamTypeScriptAsModules(): void {
  if (registered || registerHooks === undefined) return;
  registered = true;
  registerHooks({
    load: (url, context, next) => (loadsAsModule(url, context.format) ? next(url, { ...context, format: 'module-typescript' }) : next(url, context)),
  });
}
