// Toxic leases, the harness's half (the server's half: tools/toxiproxy/leases). Every toxic a
// fault adds, and every proxy a partition disables, carries a lease granted before the fault is
// made; the schedule keeps renewing all of its leases in one call every LEASE_RENEW_EVERY_MS, and
// a fault undone by the harness has its lease released. When the harness dies (SIGKILL included)
// the renewals stop, and faultline's Toxiproxy removes the toxic (or enables the proxy) itself
// LEASE_TTL_MS later, even when it keeps running (a shared proxy, --keep-up).
//
// A harness that is only slow for longer than the TTL (a debugger pause, SIGSTOP) loses its
// faults the same way: the next renewal hears what ran out, the fault's removal finds it gone
// before its scheduled end, and the run is inconclusive, never a pass on a fault that was lifted.

import { hostname } from 'node:os';
import { benchOff } from '../bench-off.ts';
import { grantLease, type LeaseLapse, type LeaseSubject, releaseLease, renewLeases, ToxiproxyError } from '../runtime/toxiproxy.ts';

/** How long a toxic outlives its harness's last renewal, at most (plus the server's 100 ms sweep). */
export const LEASE_TTL_MS = 5_000;
export const LEASE_RENEW_EVERY_MS = 1_000;

export interface Leases {
  /** grants the lease on `subject`; call it before the toxic is added (or the proxy disabled) */
  hold(subject: LeaseSubject): Promise<void>;
  /** ends the lease once the harness has undone the fault itself */
  release(subject: LeaseSubject): Promise<void>;
  /**
   * ' (its lease ran out: …)' when the server undid this subject's fault, else '': for the evidence
   * of a fault found gone before its end (asks the server first, if it has not said so yet)
   */
  lapseNote(subject: LeaseSubject): Promise<string>;
}

export interface LeaseKeeper extends Leases {
  readonly holder: string;
  /** renews now (the timer does it every renewEveryMs while a lease is held) */
  renew(): Promise<void>;
  /** stops renewing: a lease still held (a fault the harness could not undo) runs out on the server */
  close(): void;
}

export interface LeaseOptions {
  ttlMs?: number;
  renewEveryMs?: number;
  /** hears one line per lease that ran out, and once that the server has no leases */
  progress?: (line: string) => void;
}

const keyOf = (s: LeaseSubject): string => `${s.proxy}/${s.toxic === undefined ? 'disabled' : `toxics/${s.toxic}`}`;

/** The leases on one Toxiproxy server for this process. */
export function keepLeases(toxiproxyUrl: string, options: LeaseOptions = {}): LeaseKeeper {
  // bench-only (bench-off.ts): a lease long enough for a whole run, never renewed
  const unrenewed = benchOff().has('leases');
  const ttlMs = unrenewed ? 60_000 : (options.ttlMs ?? LEASE_TTL_MS);
  const holder = `faultline@${hostname()}:${process.pid}:${Math.random().toString(36).slice(2, 8)}`;
  const held = new Set<string>();
  const lapses = new Map<string, LeaseLapse>();
  let supported = true;
  let renewing: Promise<void> | undefined;
  let closed = false;

  const renew = (): Promise<void> =>
    (renewing ??= (async () => {
      try {
        const { lapsed } = await renewLeases(toxiproxyUrl, holder);
        for (const lapse of lapsed) {
          held.delete(lapse.id);
          lapses.set(lapse.id, lapse);
          options.progress?.(
            `lease ran out: Toxiproxy ${lapse.outcome} (${lapse.id}) ${lapse.lapsed_ms_ago} ms ago: the harness had not renewed it for ${lapse.ttl_ms} ms`,
          );
        }
        tickWhileHeld();
      } catch {
        // the next tick tries again; a server that stays away fails the fault's own calls
      } finally {
        renewing = undefined;
      }
    })());
  // the renewal timer runs only while a lease is held: a run whose faults hold none (or not yet)
  // is not woken for nothing every second
  let timer: NodeJS.Timeout | undefined;
  const tickWhileHeld = (): void => {
    if (held.size > 0 && !closed && !unrenewed) timer ??= setInterval(() => void renew(), options.renewEveryMs ?? LEASE_RENEW_EVERY_MS).unref();
    else if (timer !== undefined) {
      clearInterval(timer);
      timer = undefined;
    }
  };

  const keeper: LeaseKeeper = {
    holder,
    async hold(subject) {
      if (!supported || closed) return;
      try {
        await grantLease(toxiproxyUrl, subject, holder, ttlMs);
      } catch (error) {
        // a Toxiproxy that is not faultline's build has no /faultline routes at all
        if (!(error instanceof ToxiproxyError && error.status === 404 && !/proxy not found/.test(error.message))) throw error;
        supported = false;
        options.progress?.(
          `toxic leases: the Toxiproxy at ${toxiproxyUrl} has none (not faultline's build): a fault outlives a killed harness there until the next run`,
        );
        return;
      }
      held.add(keyOf(subject));
      lapses.delete(keyOf(subject));
      tickWhileHeld();
    },
    async release(subject) {
      if (!held.delete(keyOf(subject))) return;
      tickWhileHeld();
      await releaseLease(toxiproxyUrl, subject).catch((error: unknown) => {
        if (!(error instanceof ToxiproxyError && error.status === 404)) throw error; // ran out meanwhile
      });
    },
    async lapseNote(subject) {
      if (!lapses.has(keyOf(subject)) && held.has(keyOf(subject))) await renew();
      const lapse = lapses.get(keyOf(subject));
      return lapse === undefined ? '' : ` (its lease ran out: the harness had not renewed it for ${lapse.ttl_ms} ms, and Toxiproxy ${lapse.outcome})`;
    },
    renew,
    close() {
      closed = true;
      tickWhileHeld();
      if (keepers.get(toxiproxyUrl) === keeper) keepers.delete(toxiproxyUrl);
    },
  };
  keepers.set(toxiproxyUrl, keeper);
  return keeper;
}

const keepers = new Map<string, LeaseKeeper>();

const NO_LEASES: Leases = { hold: async () => undefined, release: async () => undefined, lapseNote: async () => '' };

/**
 * The leases the fault schedule keeps on this server, for a fault module to hold and release;
 * none (a no-op) when no schedule runs there (a test or a bench that applies a fault by itself).
 */
export function leasesAt(toxiproxyUrl: string): Leases {
  return keepers.get(toxiproxyUrl) ?? NO_LEASES;
}
