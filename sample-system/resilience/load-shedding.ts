// Load shedding by priority: the edge works on at most `maxInFlight` requests at once, and the
// lower a request's priority the earlier it is refused as that fills up — background beyond half,
// normal beyond 90%, critical only when full. A refused request gets 503 with Retry-After at once,
// which costs microseconds, instead of a slow answer that costs everyone.

export const PRIORITIES = ['critical', 'normal', 'background'] as const;
export type Priority = (typeof PRIORITIES)[number];

/** The share of maxInFlight up to which each priority is still admitted. */
export const ADMIT_UP_TO: Readonly<Record<Priority, number>> = { critical: 1, normal: 0.9, background: 0.5 };

export function parsePriority(header: string | readonly string[] | undefined): Priority {
  const raw = (Array.isArray(header) ? header[0] : header)?.trim().toLowerCase();
  return (PRIORITIES as readonly string[]).includes(raw ?? '') ? (raw as Priority) : 'normal';
}

export type Admission = { admitted: true; release: () => void } | { admitted: false; inFlight: number; limit: number; retryAfterS: number };

export interface LoadShedder {
  tryAdmit(priority: Priority): Admission;
  inFlight(): number;
}

export interface LoadShedderOptions {
  maxInFlight: number;
  /** false: everything is admitted (in flight is still counted) */
  enabled: boolean;
  retryAfterS?: number;
}

export function createLoadShedder(options: LoadShedderOptions): LoadShedder {
  if (!Number.isInteger(options.maxInFlight) || options.maxInFlight < 1) throw new Error(`maxInFlight must be a positive integer, got ${options.maxInFlight}`);
  let inFlight = 0;
  const limitFor = (priority: Priority): number => Math.max(1, Math.floor(options.maxInFlight * ADMIT_UP_TO[priority]));
  return {
    tryAdmit(priority) {
      const limit = limitFor(priority);
      if (options.enabled && inFlight >= limit) return { admitted: false, inFlight, limit, retryAfterS: options.retryAfterS ?? 1 };
      inFlight++;
      let released = false;
      return {
        admitted: true,
        release: () => {
          if (released) return;
          released = true;
          inFlight--;
        },
      };
    },
    inFlight: () => inFlight,
  };
}
