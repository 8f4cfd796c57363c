// The one list of resilience patterns that can be switched off (RESILIENCE_DISABLE=a,b), with
// what each does. The harness reads this list to validate `--disable` and `protectedBy`.

export const PATTERNS = {
  timeout: 'per-hop timeouts: a call to a dependency is abandoned after its latency budget',
  retry: 'retries of idempotent calls with capped full-jitter backoff, 3 tries at most, at one layer only',
  breaker: 'a circuit breaker per dependency: after repeated failures, fail fast while open, probe when half-open',
  fallback: 'fallbacks that answer from the last known good copy (stale cache), marked x-degraded',
  deadline: 'a request deadline propagated in x-deadline: work past its deadline is dropped, not done',
} as const;

export type PatternName = keyof typeof PATTERNS;
export const PATTERN_NAMES = Object.keys(PATTERNS) as PatternName[];

/** Parses RESILIENCE_DISABLE; throws naming the unknown names and the allowed ones. */
export function parseDisabled(env: string | undefined): Set<PatternName> {
  const names = (env ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = names.filter((n) => !(n in PATTERNS));
  if (unknown.length > 0) throw new Error(`RESILIENCE_DISABLE names unknown pattern(s) ${unknown.join(', ')}; patterns are: ${PATTERN_NAMES.join(', ')}`);
  return new Set(names as PatternName[]);
}

export interface Switches {
  enabled(name: PatternName): boolean;
  disabled: ReadonlySet<PatternName>;
}

export function switches(env: string | undefined): Switches {
  const disabled = parseDisabled(env);
  return { disabled, enabled: (name) => !disabled.has(name) };
}
