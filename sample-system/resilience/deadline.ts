// Deadline propagation: the edge sets an absolute deadline (epoch ms) in x-deadline; each hop
// spends at most what is left of it, and drops work whose deadline has passed.

export const DEADLINE_HEADER = 'x-deadline';

export class DeadlineExceededError extends Error {
  constructor(overByMs: number) {
    super(`deadline passed ${Math.round(overByMs)} ms ago: dropped, not worked on`);
    this.name = 'DeadlineExceededError';
  }
}

/** Milliseconds left until the deadline in the header; Infinity when there is none. */
export function remainingMs(header: string | string[] | undefined, now: number = Date.now()): number {
  const value = Array.isArray(header) ? header[0] : header;
  const deadline = Number(value);
  return value === undefined || !Number.isFinite(deadline) ? Infinity : deadline - now;
}
