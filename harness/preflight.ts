// What must hold before a run starts anything: every tool the runtime and the load need is there
// (k6 with faultline's output extension in it),
// the runtime's engine answers (docker), the report folder can be written, and any non-loopback target the user allowed is said out
// loud. A failure is a HarnessError (exit 2) naming what is missing and how to get it.

import { accessSync, constants, mkdirSync } from 'node:fs';
import { assertK6HasOutput } from './load/k6.ts';
import { HarnessError } from './paths.ts';
import type { Runtime } from './runtime/types.ts';
import { allowedTargets } from './safety.ts';
import type { System } from './system/system.ts';

/** Rejects on the first problem; returns warnings the CLI must print (loudly) before booting. */
export async function preflight(runtime: Runtime, systems: readonly System[], reportsDir: string, env: NodeJS.ProcessEnv = process.env): Promise<string[]> {
  for (const system of systems) await runtime.check(system);
  assertK6HasOutput(); // k6 must be able to stream to the harness: built with tools/xk6-faultline
  try {
    mkdirSync(reportsDir, { recursive: true });
    accessSync(reportsDir, constants.W_OK);
  } catch (error) {
    throw new HarnessError(`--report-dir "${reportsDir}" cannot hold run folders: ${(error as Error).message}`);
  }
  const allowed = allowedTargets(env);
  if (allowed.length === 0) return [];
  return [`WARNING: FAULTLINE_ALLOW_TARGETS=${allowed.join(',')} lets faultline send load and faults to ${allowed.join(', ')} as well as to 127.0.0.1 / ::1`];
}
