// Reading a service's Prometheus /metrics in the sample-system tests: one series' value, 0 when the
// series is absent (a counter that never moved has no line).

export function metricValue(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

/** The current values of `series` at `baseUrl`/metrics. */
export async function scrape<S extends string>(baseUrl: string, series: Record<S, string>): Promise<Record<S, number>> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const values = {} as Record<S, number>;
  for (const [name, s] of Object.entries(series) as [S, string][]) values[name] = metricValue(text, s);
  return values;
}
