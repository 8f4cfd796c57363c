// Request coalescing (single flight, after Go's golang.org/x/sync/singleflight): concurrent calls
// for the same key share one execution of the work and its result, so a burst of misses for one
// hot key costs the source of truth one query, not one per request. The first caller leads; the
// others wait for its answer (its success or its error). Nothing is cached after it settles.

export interface SingleFlight {
  /** runs `work` unless a call for `key` is already in flight, in which case it joins that one */
  run<T>(key: string, work: () => Promise<T>): Promise<T>;
  /** keys in flight right now */
  inFlight(): number;
}

export interface SingleFlightOptions {
  /** false: every call runs its own work */
  enabled: boolean;
  /** told each time a call joined one in flight instead of running its own */
  onCoalesced?: (key: string) => void;
}

export function createSingleFlight(options: SingleFlightOptions): SingleFlight {
  const flights = new Map<string, Promise<unknown>>();
  return {
    run<T>(key: string, work: () => Promise<T>): Promise<T> {
      if (!options.enabled) return work();
      const joined = flights.get(key);
      if (joined !== undefined) {
        options.onCoalesced?.(key);
        return joined as Promise<T>;
      }
      const flight = work().finally(() => flights.delete(key));
      flights.set(key, flight);
      return flight;
    },
    inFlight: () => flights.size,
  };
}
