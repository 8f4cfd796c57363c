// The options the harness's own Node starts with, whichever way it is started: `npm run chaos`,
// `ablation` and `bench` (package.json), bin/faultline.js when it starts the harness under the Node
// it brings, and the benches that start the CLI. One list, here; a test holds package.json and the
// bin to it.
//   --disable-warning=ExperimentalWarning  type stripping warns on every start
//   --expose-gc   the full collection made before the load (harness/load/settle.ts)
//   --max-opt=1   V8 compiles no further than its baseline tier (Sparkplug). The harness is a
//                 short-lived coordinator whose code mostly runs a few hundred times a run; V8's
//                 optimising compilers (Maglev, TurboFan) spent ~30 ms of CPU on their own threads
//                 during a 16 s load and won back less than that. Measured with and without
//                 (docs/DESIGN-NOTES.md): the harness's CPU during postgres-latency's load ~180 ->
//                 ~140 ms; what it costs where code does run hot: the 1 M-request replay 1.6 -> 2.0 s,
//                 the harness at 3,000 req/s 1.5 -> 1.9 % of a core.
export const HARNESS_NODE_FLAGS = ['--disable-warning=ExperimentalWarning', '--expose-gc', '--max-opt=1'] as const;
