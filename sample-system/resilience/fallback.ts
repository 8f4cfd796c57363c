// Fallback to a stale cache: when the source of truth fails, answer the last known good copy and
// say so. A fallback that has nothing (or fails itself) rethrows the primary's error, so the
// caller reports the real cause; a fallback never turns a failure into an empty success.

export type Outcome<T> = { value: T; degraded: false } | { value: T; degraded: true; cause: unknown };

export interface FallbackOptions {
  /** false: the primary's error is thrown as is */
  enabled: boolean;
  /** told about a fallback's own failure, which is otherwise swallowed */
  onFallbackError?: (error: unknown) => void;
}

export async function withStaleFallback<T>(
  primary: () => Promise<T>,
  stale: (cause: unknown) => Promise<T | undefined>,
  options: FallbackOptions,
): Promise<Outcome<T>> {
  try {
    return { value: await primary(), degraded: false };
  } catch (cause) {
    if (!options.enabled) throw cause;
    let value: T | undefined;
    try {
      value = await stale(cause);
    } catch (fallbackError) {
      options.onFallbackError?.(fallbackError);
    }
    if (value === undefined) throw cause;
    return { value, degraded: true, cause };
  }
}
