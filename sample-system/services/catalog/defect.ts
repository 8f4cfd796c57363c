// A deliberate defect, so that poison-pill faults have something real to hit: the search's query
// "normaliser" spins on a query that starts with `poison:hang`, blocking this replica's event loop
// for POISON_HANG_MS — as a catastrophic regex backtrack or a parser stuck on a malformed input
// would. Every request queued on the replica waits with it; its liveness check stops answering.
// Nothing else about such a query is special, and no other input triggers it.

export const POISON_PREFIX = 'poison:hang';
export const POISON_HANG_MS = 2500;

export function isPoison(query: string): boolean {
  return query.startsWith(POISON_PREFIX);
}

/** Blocks the event loop, on purpose. */
export function hangOn(query: string, hangMs: number = POISON_HANG_MS): void {
  if (!isPoison(query)) return;
  const until = performance.now() + hangMs;
  while (performance.now() < until); // the defect
}
