// Pause: a frozen part, the gray failure. SIGSTOP to the part's process group (docker: `docker
// pause`, the cgroup freezer): its connections stay open and its port keeps accepting, but nothing
// answers. Removal resumes it. Proven by the part's state (stopped / paused) and by a probe into
// it, through the edge its callers dial, that times out instead of answering; at removal, by a
// probe that answers again.

import type { FieldProblem } from '../fields.ts';
import type { System } from '../system/system.ts';
import { controlOf, describeOutcome, freshRoundTrip, type PartParams, partProblems, probeTarget } from './part.ts';
import type { FaultModule, FaultSpec, Proof } from './types.ts';

export type PauseParams = PartParams;

export const pause = (params: PauseParams): FaultSpec<'pause', PauseParams> => ({ kind: 'pause', params });

/** A frozen part gives no answer within this; a probe that fails faster met something else (a refusal). */
const PROBE_TIMEOUT_MS = 1000;

export const pauseFault: FaultModule<PauseParams, 'pause'> = {
  kind: 'pause',
  make: pause,
  fields: ['part'] satisfies (keyof PauseParams)[],
  validate: (raw: unknown, system: System): FieldProblem[] => partProblems((raw as Partial<PauseParams> | undefined)?.part, system),
  target: (p) => p.part,
  describe: (p) => `${p.part} frozen (SIGSTOP / docker pause), resumed at the end`,
  async apply(stack, p) {
    const control = controlOf(stack, p.part);
    const target = probeTarget(stack, p.part);
    const before = await freshRoundTrip(target, PROBE_TIMEOUT_MS);
    await control.pause();
    let removed = false;

    return {
      async prove(): Promise<Proof> {
        const state = await control.state();
        const after = await freshRoundTrip(target, PROBE_TIMEOUT_MS);
        // a freeze makes the probe wait out its whole timeout; a quick failure is not a freeze
        const timedOut = !after.answered && after.ms >= PROBE_TIMEOUT_MS * 0.9;
        const landed = state === 'paused' && timedOut;
        const evidence = `${p.part} (${stack.runtime === 'local' ? 'pid' : 'container'} ${control.id().slice(0, 12)}) state ${state}; before: ${describeOutcome(target.edge, before)}; frozen: ${describeOutcome(target.edge, after)}${!after.answered && !timedOut ? ' — a failure, not a timeout' : ''}`;
        return { landed, evidence };
      },
      async remove(): Promise<Proof> {
        if (removed) return { landed: true, evidence: 'already removed' };
        removed = true;
        const state = await control.state();
        await control.resume();
        const again = await freshRoundTrip(target, PROBE_TIMEOUT_MS * 3);
        const back = `resumed; ${describeOutcome(target.edge, again)}`;
        if (state !== 'paused') return { landed: false, evidence: `${p.part} was ${state} before its scheduled end, not frozen; ${back}` };
        return { landed: true, evidence: back };
      },
    };
  },
};
