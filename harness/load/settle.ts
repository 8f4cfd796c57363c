// The harness's own housekeeping, done before the load starts rather than during it. Setting up a
// run (loading the modules, starting the stack) grows the heap until V8 starts a major collection,
// and on the shop that happened within the load's first second: about 60 ms of CPU on the main
// thread and V8's workers, taken from the system under test while it is being measured. One full
// collection just before k6 starts does that work while nothing is measured, and leaves a heap the
// load's own allocations do not push over V8's limit again.
//
// The collection needs `gc`, which Node exposes only when started with --expose-gc: every way in
// starts the harness so (harness/node-flags.ts), bin/faultline.js too when it starts the harness
// under the Node it brings. When the bin runs the harness in its own process (Node >= 22.22), the
// collection is made only with NODE_OPTIONS=--expose-gc; without it the run is the same, its load's
// first second a few tens of ms of CPU dearer. Setting the flag at run time (v8.setFlagsFromString)
// was measured and dropped: V8 then recompiled code it had cached, which cost more CPU during the
// load (+20 to +60 ms on the main thread, +30 to +100 ms on V8's workers) than the collection
// saves. A process started without the flag (a test calling main()) skips it.

/** A full garbage collection now, when the process has `gc`; how long it took in ms, or undefined without `gc`. */
export function settleHeap(): number | undefined {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (typeof gc !== 'function') return undefined;
  const start = performance.now();
  gc();
  return performance.now() - start;
}
