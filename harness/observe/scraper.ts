// Scrapes the metrics-serving instances during the load, so cascade checks can take counter
// increases over any phase window, at the resolution each reader needs:
// - every second, the instances whose counters a per-second check reads (retry amplification's
//   ratio interval pairs per-second counts; everySecond() says which, see scrape-plan.ts), while
//   the phase that check judges runs (fastNow());
// - every instance when a phase boundary is crossed (`mark()`: just before a fault is applied or
//   removed, and again once it is), so a phase's increase (breaker openings, the report's phase
//   counters) starts and ends at the boundary itself, not up to a second off;
// - every instance about every 5 s otherwise: a tick asks an instance whose last scrape was sent
//   4.5 s ago or more (so scrapes are at most 5.5 s apart, and a boundary scrape counts as one of
//   these), and once more at the end: a missed boundary scrape (a frozen service) then costs 5 s of blur, not
//   the phase. That last scrape is also the run's
//   end-of-run metrics (`stop().last`, result.json's `metrics`), with scrapeMetrics' 2 s timeout.
// A scrape that fails is skipped, not fatal. A snapshot is stamped when its request is sent, so a
// scrape sent before a fault is applied is on the baseline side of the boundary whatever its
// answer's delay.

import { httpText } from '../loopback-http.ts';
import type { StartedStack } from '../runtime/types.ts';
import type { MetricSnapshot } from '../verdict/cascade.ts';
import { FINAL_SCRAPE_TIMEOUT_MS, type InstanceMetrics, keptSeries, metricsTargets, parsePrometheus, scrapeFailed } from './metrics.ts';

export interface Scraper {
  /** scrapes every instance now (a phase boundary); returns at once */
  mark(): void;
  /**
   * stops scraping after one last scrape of every instance; returns every snapshot taken, and that
   * last scrape's values per instance (`scrape_failed: 1` where it got no answer)
   */
  stop(): Promise<{ snapshots: MetricSnapshot[]; last: InstanceMetrics }>;
  /** the snapshots taken so far (live judgement of adaptive phases) */
  snapshots(): readonly MetricSnapshot[];
}

export interface ScraperOptions {
  /** an instance scraped every second, given its latest values (default: every instance) */
  everySecond?: (instance: string, values: Record<string, number>) => boolean;
  /** whether the per-second instances are asked now (the phase their check judges runs); default: always */
  fastNow?: () => boolean;
  fastMs?: number;
  slowMs?: number;
  now?: () => number;
}

export function startScraper(stack: StartedStack, loadStartEpochMs: number, options: ScraperOptions = {}): Scraper {
  const { fastMs = 1000, slowMs = 5000, now = Date.now, everySecond = () => true, fastNow = () => true } = options;
  const snapshots: MetricSnapshot[] = [];
  const keep = keptSeries(stack.system);
  const targets = (keep === null ? [] : metricsTargets(stack)).map((t) => ({ ...t, fast: false, inFlight: 0, sentAt: -Infinity }));
  const pending = new Set<Promise<unknown>>();
  /** one scrape of `target`; resolves with its values, or undefined when it got no answer */
  const scrape = (target: (typeof targets)[number], timeoutMs = Math.min(800, fastMs)): Promise<Record<string, number> | undefined> => {
    target.sentAt = now();
    const tMs = Math.round(target.sentAt - loadStartEpochMs);
    target.inFlight++;
    const work = httpText(target.url, '', `the ${target.name} metrics endpoint`, { timeoutMs })
      .then(({ text }) => {
        const values = parsePrometheus(text, keep as RegExp);
        snapshots.push({ tMs, service: target.name, values });
        target.fast ||= everySecond(target.name, values);
        return values;
      })
      .catch(() => undefined) // a slow or down service misses this scrape
      .finally(() => {
        target.inFlight--;
        pending.delete(work);
      });
    pending.add(work);
    return work;
  };
  const all = (): void => {
    for (const t of targets) scrape(t);
  };
  all();
  // due once its last scrape is this old: the tick nearest slowMs after it, not one a whole tick later
  const dueAfterMs = slowMs - fastMs / 2;
  const timer = setInterval(() => {
    // an instance whose last scrape has not come back (frozen, overloaded) is not asked again yet
    const fast = fastNow();
    const at = now();
    for (const t of targets) if (t.inFlight === 0 && ((t.fast && fast) || at - t.sentAt >= dueAfterMs)) scrape(t);
  }, fastMs);
  let stopped: Promise<InstanceMetrics> | undefined;
  return {
    snapshots: () => snapshots,
    mark: () => {
      if (stopped === undefined) all();
    },
    async stop() {
      stopped ??= (async () => {
        clearInterval(timer);
        await Promise.all([...pending]);
        const answers = await Promise.all(targets.map((t) => scrape(t, FINAL_SCRAPE_TIMEOUT_MS)));
        return Object.fromEntries(targets.map((t, i) => [t.name, answers[i] ?? scrapeFailed()]));
      })();
      const last = await stopped;
      await Promise.all([...pending]);
      return { snapshots, last };
    },
  };
}
