// Scrapes every metrics-serving part once a second during the load, so cascade checks can take
// counter increases over any phase window. A scrape that fails is skipped, not fatal.

import { httpText } from '../loopback-http.ts';
import type { StartedStack } from '../runtime/types.ts';
import type { MetricSnapshot } from '../verdict/cascade.ts';
import { keptSeries, metricsTargets, parsePrometheus } from './metrics.ts';

export interface Scraper {
  /** stops scraping after one last scrape; returns every snapshot taken */
  stop(): Promise<MetricSnapshot[]>;
  /** the snapshots taken so far (live judgement of adaptive phases) */
  snapshots(): readonly MetricSnapshot[];
}

export function startScraper(stack: StartedStack, loadStartEpochMs: number, intervalMs = 1000, now: () => number = Date.now): Scraper {
  const snapshots: MetricSnapshot[] = [];
  const keep = keptSeries(stack.system);
  const targets = keep === null ? [] : metricsTargets(stack);
  const scrapeAll = async (): Promise<void> => {
    await Promise.all(
      targets.map(async (s) => {
        try {
          const { text } = await httpText(s.url, '', `the ${s.name} metrics endpoint`, { timeoutMs: Math.min(800, intervalMs) });
          const values = parsePrometheus(text, keep as RegExp);
          snapshots.push({ tMs: Math.round(now() - loadStartEpochMs), service: s.name, values });
        } catch {
          /* a slow or down service misses this second */
        }
      }),
    );
  };
  let inFlight: Promise<void> = scrapeAll();
  const timer = setInterval(() => {
    inFlight = inFlight.then(scrapeAll);
  }, intervalMs);
  return {
    snapshots: () => snapshots,
    async stop() {
      clearInterval(timer);
      await inFlight;
      await scrapeAll();
      return snapshots;
    },
  };
}
