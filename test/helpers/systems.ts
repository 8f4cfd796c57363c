// The systems tests run against, validated as the CLI validates them: the shop, and variants of it.

import { join } from 'node:path';
import { loadSystemFile } from '../../harness/discovery.ts';
import { PROJECT_ROOT } from '../../harness/paths.ts';
import type { ResolvedPart, System } from '../../harness/system/system.ts';

export const SHOP_FILE = join(PROJECT_ROOT, 'sample-system', 'system.ts');

/** The shop, as sample-system/system.ts declares it. */
export const shop: System = await loadSystemFile(SHOP_FILE, PROJECT_ROOT);

/** A copy of `system` in which service parts run other commands (stand-ins, crashing fixtures): part -> argv. */
export function withCommands(system: System, commands: Readonly<Record<string, readonly string[]>>): System {
  const parts: Record<string, ResolvedPart> = { ...system.parts };
  for (const [name, command] of Object.entries(commands)) {
    const part = parts[name];
    if (part === undefined || part.kind !== 'service') throw new Error(`${name} is not a service part of ${system.name}`);
    parts[name] = { ...part, command };
  }
  return { ...system, parts };
}
