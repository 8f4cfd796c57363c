// Traffic goes only to loopback (127.0.0.0/8, ::1, localhost) unless the user explicitly allows
// another target; the runtimes' own containers are reached through ports mapped to loopback.

import { isIP } from 'node:net';
import { HarnessError } from './paths.ts';

export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1') return true;
  return isIP(h) === 4 && h.startsWith('127.');
}

/** Throws unless the URL (or host:port) points at loopback, or FAULTLINE_ALLOW_TARGETS lists its host. */
export function assertLoopback(target: string, what: string, allowed = process.env.FAULTLINE_ALLOW_TARGETS ?? ''): void {
  const host = target.includes('://') ? new URL(target).hostname : target.slice(0, target.lastIndexOf(':'));
  if (isLoopbackHost(host)) return;
  if (allowed.split(',').map((s) => s.trim()).includes(host)) return;
  throw new HarnessError(`refusing to send traffic to ${what} at ${target}: faultline only targets 127.0.0.1 / ::1 (set FAULTLINE_ALLOW_TARGETS=${host} to allow it explicitly)`);
}
