// Scrapes every service's Prometheus /metrics and keeps the resilience-relevant series
// (requests by outcome, dependency calls and retries, breaker state and transitions, fallbacks,
// and what the edge refused: shed, rate-limited, bulkheaded, quarantined).

import type { StartedStack } from '../runtime/types.ts';
import { assertLoopback } from '../safety.ts';

const KEPT = new RegExp(
  `^(${[
    'http_requests_total', 'dependency_calls_total', 'dependency_retries_total', 'retry_budget_exhausted_total', 'breaker_state', 'breaker_transitions_total',
    'fallbacks_total', 'deadline_exceeded_total', 'upstream_calls_total', 'replica_ejections_total', 'shed_total', 'rate_limited_total', 'rate_limit_fallback_total',
    'bulkhead_rejected_total', 'quarantined_total', 'quarantine_hurts_total', 'coalesced_total', 'gateway_in_flight', 'db_pool_clients', 'payments_total',
    'nodejs_eventloop_lag_p99_seconds',
  ].join('|')})\\b`,
);

/** Parses Prometheus text exposition into `series{labels}` -> value, keeping only KEPT series. */
export function parsePrometheus(text: string, keep: RegExp = KEPT): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || !keep.test(line)) continue;
    const i = line.lastIndexOf(' ');
    const value = Number(line.slice(i + 1));
    if (i > 0 && Number.isFinite(value)) out[line.slice(0, i)] = value;
  }
  return out;
}

export async function scrapeMetrics(stack: StartedStack, timeoutMs = 2000): Promise<Record<string, Record<string, number>>> {
  const entries = await Promise.all(
    Object.values(stack.services).map(async (s) => {
      assertLoopback(s.url, `the ${s.name} metrics endpoint`);
      try {
        const res = await fetch(`${s.url}/metrics`, { signal: AbortSignal.timeout(timeoutMs) });
        return [s.name, parsePrometheus(await res.text())] as const;
      } catch (error) {
        return [s.name, { scrape_failed: 1 }] as const;
      }
    }),
  );
  return Object.fromEntries(entries);
}
