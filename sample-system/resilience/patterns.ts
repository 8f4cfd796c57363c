// The single list of resilience patterns that can be switched off one by one with
// RESILIENCE_DISABLE=a,b. The harness validates `--disable` and `protectedBy` against it, so a
// name appears here only once the pattern really exists in the code.

export const PATTERNS = {
  timeout: 'per-hop timeouts: each dependency attempt and each request budget is cut off in time',
  retry: 'capped full-jitter retries (3 tries at most) of idempotent calls on transient failures',
  'retry-budget': 'retry budget: a token bucket per dependency lets at most ~10% of calls be retried',
  breaker: 'circuit breaker per dependency: fails fast while open, probes when half-open',
  fallback: 'fallbacks, marked x-degraded: the last known good copy (catalog), a static list (recommendations)',
  deadline: 'deadline propagation: x-deadline header; work past its deadline is dropped, not done',
  'single-flight': 'request coalescing: concurrent reads of one key share one query to the source of truth',
  'outlier-ejection':
    'client-side load balancing over replicas: least calls in flight, health-checked; a replica failing 5 calls in a row is ejected for a while, and one that finished none of its calls for 300 ms is left out until one comes back',
  bulkhead: 'bulkheads: a concurrency limit per upstream and per tenant at the gateway; beyond it, 503 at once',
  'load-shedding': 'load shedding by priority: past an in-flight limit the gateway refuses background, then normal, then critical (503 + Retry-After)',
  'rate-limit': 'per-tenant rate limit: sliding window in Redis, counted in memory when Redis fails (429 + Retry-After)',
  quarantine: 'poison-pill quarantine: a payload that hung or crashed a replica twice is refused at the edge (422)',
  idempotency: 'idempotency keys on writes: a repeated key returns the first order; only then are writes and charges retried',
} as const;

export type PatternName = keyof typeof PATTERNS;

export const PATTERN_NAMES = Object.keys(PATTERNS) as PatternName[];

export function isPatternName(name: string): name is PatternName {
  return Object.hasOwn(PATTERNS, name);
}

/** Parses RESILIENCE_DISABLE (`retry,breaker`); blanks and spaces are ignored. */
export function parseDisabled(env: string | undefined): Set<PatternName> {
  const disabled = new Set<PatternName>();
  for (const raw of (env ?? '').split(',')) {
    const name = raw.trim();
    if (name === '') continue;
    if (!isPatternName(name)) throw new Error(`RESILIENCE_DISABLE: "${name}" is not a pattern; patterns are: ${PATTERN_NAMES.join(', ')}`);
    disabled.add(name);
  }
  return disabled;
}

/** Whether a pattern is on; by default judged from this process's RESILIENCE_DISABLE. */
export function isEnabled(name: PatternName, disabled: ReadonlySet<PatternName> = parseDisabled(process.env.RESILIENCE_DISABLE)): boolean {
  return !disabled.has(name);
}
