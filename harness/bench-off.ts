// Bench-only: `FAULTLINE_BENCH_OFF=scrape,judge,leases` switches harness components off while the
// load runs, so `npm run bench -- load --part live --off <list>` can attribute the harness's fixed
// CPU cost per second to each of them. No user sets it: a run with it set says so in its first
// lines, and its verdict means nothing (checks read what was not recorded).
//   scrape  no per-second /metrics scrapes during the load (the end-of-run scrape stays)
//   judge   adaptive phases are not judged live: each runs to its max
//   leases  toxic leases are granted for 60 s and never renewed

export const BENCH_COMPONENTS = ['scrape', 'judge', 'leases'] as const;
export type BenchComponent = (typeof BENCH_COMPONENTS)[number];

/** The components FAULTLINE_BENCH_OFF switches off (unknown names are ignored: the bench checks them). */
export function benchOff(env: NodeJS.ProcessEnv = process.env): ReadonlySet<BenchComponent> {
  const named = (env.FAULTLINE_BENCH_OFF ?? '').split(',').map((s) => s.trim());
  return new Set(BENCH_COMPONENTS.filter((c) => named.includes(c)));
}
