// How the simulated provider behaves right now: a base latency with jitter and a failure rate.
// Set at start from the environment and changed at run time through POST /admin/behaviour, so a
// scenario (or a test) can make the provider slow or flaky on request. Random is injected.

export interface Behaviour {
  latencyMs: number;
  jitterMs: number;
  /** share of requests answered 503 before anything is charged, in [0, 1] */
  failureRate: number;
}

export interface Decision {
  delayMs: number;
  fail: boolean;
}

export const MAX_LATENCY_MS = 60_000;

/** Problems with a proposed behaviour (field: what is wrong), empty when it is valid. */
export function behaviourProblems(raw: unknown): string[] {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return ['the body must be a JSON object { latencyMs?, jitterMs?, failureRate? }'];
  const problems: string[] = [];
  const known = new Set(['latencyMs', 'jitterMs', 'failureRate']);
  for (const key of Object.keys(raw)) if (!known.has(key)) problems.push(`${key}: unknown field; fields are latencyMs, jitterMs, failureRate`);
  const { latencyMs, jitterMs, failureRate } = raw as Record<string, unknown>;
  const ms = (name: string, v: unknown): void => {
    if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > MAX_LATENCY_MS))
      problems.push(`${name}: ${JSON.stringify(v)} must be milliseconds in [0, ${MAX_LATENCY_MS}]`);
  };
  ms('latencyMs', latencyMs);
  ms('jitterMs', jitterMs);
  if (failureRate !== undefined && (typeof failureRate !== 'number' || !(failureRate >= 0 && failureRate <= 1)))
    problems.push(`failureRate: ${JSON.stringify(failureRate)} must be a share in [0, 1]`);
  return problems;
}

export function decide(behaviour: Behaviour, random: () => number): Decision {
  const jitter = behaviour.jitterMs === 0 ? 0 : (random() * 2 - 1) * behaviour.jitterMs;
  return { delayMs: Math.max(0, Math.round(behaviour.latencyMs + jitter)), fail: random() < behaviour.failureRate };
}

/** A small seeded generator (mulberry32), so a run with a seed fails the same requests. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
