// Traffic goes only to loopback (127.0.0.0/8, ::1, localhost) unless the user explicitly allows
// another target; the runtimes' own containers are reached through ports mapped to loopback.

import { isIP } from 'node:net';
import { HarnessError } from './paths.ts';

export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1') return true;
  return isIP(h) === 4 && h.startsWith('127.');
}

/** `what at target` for every non-loopback target let through by an allowance, until taken for a run's result. */
const allowedUses = new Set<string>();

/** Throws unless the URL (or host:port) points at loopback, or FAULTLINE_ALLOW_TARGETS lists its host. */
export function assertLoopback(target: string, what: string, allowed = process.env.FAULTLINE_ALLOW_TARGETS ?? ''): void {
  const host = target.includes('://') ? new URL(target).hostname : target.slice(0, target.lastIndexOf(':'));
  if (isLoopbackHost(host)) return;
  if (hostsIn(allowed).includes(host)) {
    allowedUses.add(`${what} at ${target}`);
    return;
  }
  throw new HarnessError(
    `refusing to send traffic to ${what} at ${target}: faultline only targets 127.0.0.1 / ::1 (set FAULTLINE_ALLOW_TARGETS=${host} to allow it explicitly)`,
  );
}

/** The hosts a FAULTLINE_ALLOW_TARGETS value lists. */
const hostsIn = (list: string): string[] =>
  list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** The hosts FAULTLINE_ALLOW_TARGETS lists, empty when it is not set. */
export function allowedTargets(env: NodeJS.ProcessEnv = process.env): string[] {
  return hostsIn(env.FAULTLINE_ALLOW_TARGETS ?? '');
}

/**
 * What result.json records about an allowance: the hosts it lists and the targets outside loopback
 * let through because of it since the last call (a run takes them at its start and its end);
 * undefined when no allowance is set.
 */
export function takeAllowanceRecord(env: NodeJS.ProcessEnv = process.env): { allowed: string[]; used: string[] } | undefined {
  const used = [...allowedUses].sort();
  allowedUses.clear();
  const allowed = allowedTargets(env);
  return allowed.length === 0 ? undefined : { allowed, used };
}
