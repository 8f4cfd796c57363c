// Per-hop timeout: runs work with an AbortSignal that fires after timeoutMs, and rejects with a
// TimeoutError then. Work that ignores the signal keeps running, so callers that hold resources
// (a database connection) must listen to the signal and give them back.

export class TimeoutError extends Error {
  readonly timeoutMs: number;
  constructor(what: string, timeoutMs: number) {
    super(`${what} timed out after ${timeoutMs} ms`);
    this.name = 'TimeoutError';
    this.timeoutMs = timeoutMs;
  }
}

/** `timeoutMs` of Infinity (timeout pattern off) runs the work with a signal that never fires. */
export async function withTimeout<T>(what: string, timeoutMs: number, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  if (!Number.isFinite(timeoutMs)) return work(controller.signal);
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new TimeoutError(what, timeoutMs);
      controller.abort(error);
      reject(error);
    }, Math.max(0, timeoutMs));
  });
  try {
    return await Promise.race([work(controller.signal), expired]);
  } finally {
    clearTimeout(timer);
  }
}
