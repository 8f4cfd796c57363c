// Fallback: when the primary path fails, answer from a secondary source (the last known good
// copy) and say so. A fallback that has nothing to give rethrows the primary error, so an empty
// fallback is never passed off as an answer.

export interface Degraded<T> {
  value: T;
  /** why the answer is degraded, sent as x-degraded; undefined when the primary answered */
  degraded?: string;
}

export async function withFallback<T>(
  primary: () => Promise<T>,
  fallback: (error: unknown) => Promise<T | undefined>,
  options: { enabled: boolean; reason: string },
): Promise<Degraded<T>> {
  try {
    return { value: await primary() };
  } catch (error) {
    if (!options.enabled) throw error;
    const stale = await fallback(error).catch(() => undefined);
    if (stale === undefined) throw error;
    return { value: stale, degraded: options.reason };
  }
}
