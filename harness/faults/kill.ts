// Kill: a dependency dies or a replica crashes. SIGKILL (local: the part's process group; docker:
// `docker kill`) at `at`; it stays down until the end of `for`, when it is started again — same
// port, same data — which is the fault's removal. Proven by the part's state (its process or
// container gone) and by a fresh probe into it, through the edge its callers dial, that fails;
// at removal, by the time it took to be ready again and a probe that answers.

import type { FieldProblem } from '../fields.ts';
import type { System } from '../system/system.ts';
import { controlOf, describeOutcome, freshRoundTrip, type PartParams, partProblems, probeTarget } from './part.ts';
import type { FaultModule, FaultSpec, Proof } from './types.ts';

export type KillParams = PartParams;

export const kill = (params: KillParams): FaultSpec<'kill', KillParams> => ({ kind: 'kill', params });

/** How long a probe into the killed part may take to fail; an answer within it means it is alive. */
const PROBE_TIMEOUT_MS = 1500;

export const killFault: FaultModule<KillParams, 'kill'> = {
  kind: 'kill',
  make: kill,
  fields: ['part'] satisfies (keyof KillParams)[],
  validate: (raw: unknown, system: System): FieldProblem[] => partProblems((raw as Partial<KillParams> | undefined)?.part, system),
  target: (p) => p.part,
  describe: (p) => `${p.part} killed (SIGKILL), started again at the end`,
  async apply(stack, p) {
    const control = controlOf(stack, p.part);
    const target = probeTarget(stack, p.part);
    const before = await freshRoundTrip(target, PROBE_TIMEOUT_MS);
    const id = control.id();
    const t0 = performance.now();
    await control.kill();
    const killMs = performance.now() - t0;
    let removed = false;

    return {
      async prove(): Promise<Proof> {
        const state = await control.state();
        const after = await freshRoundTrip(target, PROBE_TIMEOUT_MS);
        const landed = state === 'killed' && !after.answered;
        const evidence = `${p.part} (${stack.runtime === 'local' ? 'pid' : 'container'} ${id.slice(0, 12)}) killed in ${killMs.toFixed(0)} ms, state ${state}; before: ${describeOutcome(target.edge, before)}; after: ${describeOutcome(target.edge, after)}`;
        return { landed, evidence };
      },
      async remove(): Promise<Proof> {
        if (removed) return { landed: true, evidence: 'already removed' };
        removed = true;
        const state = await control.state();
        const t1 = performance.now();
        await control.start();
        const readyMs = performance.now() - t1;
        const again = await freshRoundTrip(target, PROBE_TIMEOUT_MS);
        const back = `started again (${stack.runtime === 'local' ? 'pid' : 'container'} ${control.id().slice(0, 12)}), ready in ${readyMs.toFixed(0)} ms; ${describeOutcome(target.edge, again)}`;
        if (state !== 'killed') return { landed: false, evidence: `${p.part} was ${state} again before its scheduled end, not down; ${back}` };
        return { landed: true, evidence: back };
      },
    };
  },
};
