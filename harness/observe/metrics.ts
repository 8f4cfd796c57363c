// Scrapes the Prometheus metrics of every service part the system says serves them, keeping only
// the series families its declaration names (what the cascade checks read, and what it keeps for
// the report). A system that declares no metrics is not scraped.

import { httpText } from '../loopback-http.ts';
import type { StartedStack } from '../runtime/types.ts';
import { assertLoopback } from '../safety.ts';
import type { System } from '../system/system.ts';

/** A matcher of the series families the system keeps, or null when it keeps none. */
export function keptSeries(system: System): RegExp | null {
  const keep = system.metrics?.keep ?? [];
  if (keep.length === 0) return null;
  return new RegExp(`^(${keep.map((k) => k.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})\\b`);
}

/** The instances to scrape (name and URL of its metrics), from the stack's services. */
export function metricsTargets(stack: StartedStack): { name: string; url: string }[] {
  const metrics = stack.system.metrics;
  if (metrics === undefined) return [];
  const parts = new Set(metrics.parts);
  return stack.system.instances
    .filter((i) => parts.has(i.part))
    .flatMap((i) => {
      const service = stack.services[i.name];
      return service === undefined ? [] : [{ name: i.name, url: `${service.url}${metrics.path}` }];
    });
}

/** The KEPT matcher made sticky, so it tests a line where it starts in the whole text (no copy). */
const stickyOf = new WeakMap<RegExp, RegExp>();

/**
 * Parses Prometheus text exposition into `series{labels}` -> value, keeping only KEPT series. It
 * runs on every scrape (several a second, ~270 lines each of which a few dozen are kept): lines are
 * tested in place, and only kept ones are copied out.
 */
export function parsePrometheus(text: string, keep: RegExp): Record<string, number> {
  let sticky = stickyOf.get(keep);
  if (sticky === undefined) stickyOf.set(keep, (sticky = new RegExp(keep.source.replace(/^\^/, ''), `${keep.flags.replace('y', '')}y`)));
  const out: Record<string, number> = {};
  for (let start = 0; start < text.length; ) {
    const newline = text.indexOf('\n', start);
    const end = newline === -1 ? text.length : newline;
    sticky.lastIndex = start;
    if (text.charCodeAt(start) !== 35 /* '#' */ && sticky.test(text)) {
      const line = text.slice(start, end);
      const i = line.lastIndexOf(' ');
      const value = Number(line.slice(i + 1));
      if (i > 0 && Number.isFinite(value)) out[line.slice(0, i)] = value;
    }
    start = end + 1;
  }
  return out;
}

/** Kept values per instance, as result.json's `metrics` holds them. */
export type InstanceMetrics = Record<string, Record<string, number>>;
/** What an instance that did not answer the end-of-run scrape shows there. */
export const scrapeFailed = (): Record<string, number> => ({ scrape_failed: 1 });
/** The end-of-run scrape waits this long for each answer (the load is over: nothing ticks behind it). */
export const FINAL_SCRAPE_TIMEOUT_MS = 2000;

/** One scrape of every instance, for a run without a scraper (FAULTLINE_BENCH_OFF=scrape); see Scraper.stop(). */
export async function scrapeMetrics(stack: StartedStack, timeoutMs = FINAL_SCRAPE_TIMEOUT_MS): Promise<InstanceMetrics> {
  const keep = keptSeries(stack.system);
  if (keep === null) return {};
  const entries = await Promise.all(
    metricsTargets(stack).map(async (t) => {
      assertLoopback(t.url, `the ${t.name} metrics endpoint`);
      try {
        const { text } = await httpText(t.url, '', `the ${t.name} metrics endpoint`, { timeoutMs });
        return [t.name, parsePrometheus(text, keep)] as const;
      } catch {
        return [t.name, scrapeFailed()] as const;
      }
    }),
  );
  return Object.fromEntries(entries);
}
