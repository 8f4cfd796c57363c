// Deadline propagation: the edge stamps each request with an absolute deadline (epoch ms in
// `x-deadline`); every hop below spends at most what is left and drops work that is already late,
// because nobody is waiting for its answer any more. Clocks are injected as `nowMs`.

export const DEADLINE_HEADER = 'x-deadline';

/** The header value for a request that may take `timeoutMs` from `nowMs`. */
export function deadlineHeader(nowMs: number, timeoutMs: number): string {
  return String(Math.round(nowMs + timeoutMs));
}

/** The deadline the edge gives a request at `nowMs`: its own time limit, or the caller's deadline when that is sooner. */
export function edgeDeadline(nowMs: number, timeoutMs: number, given: number | undefined): number {
  const own = Number(deadlineHeader(nowMs, timeoutMs));
  return given === undefined ? own : Math.min(own, given);
}

/** The deadline in epoch ms, or undefined when the header is absent or not a positive number. */
export function parseDeadline(header: string | readonly string[] | undefined): number | undefined {
  const raw = Array.isArray(header) ? header[0] : header;
  if (typeof raw !== 'string' || !/^\d{1,16}$/.test(raw.trim())) return undefined;
  const deadlineMs = Number(raw.trim());
  return deadlineMs > 0 ? deadlineMs : undefined;
}

/** Milliseconds left before the deadline (<= 0 once it has passed). */
export function remainingMs(deadlineMs: number, nowMs: number): number {
  return deadlineMs - nowMs;
}

/** The smaller of a local budget and the time left, so a hop never outlives its caller. */
export function budgetWithin(localBudgetMs: number, deadlineMs: number | undefined, nowMs: number): number {
  return deadlineMs === undefined ? localBudgetMs : Math.min(localBudgetMs, remainingMs(deadlineMs, nowMs));
}
