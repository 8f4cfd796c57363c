import { describe, expect, it } from 'vitest';
import { renderJson } from '../../harness/report/json.ts';
import { makeFailingRun, makeRunResult } from './fixture.ts';

describe('renderJson', () => {
  it('round-trips the run', () => {
    const run = makeFailingRun();
    expect(JSON.parse(renderJson(run))).toEqual(JSON.parse(JSON.stringify(run)));
  });

  it('writes keys in the order the types declare them, however the object was built', () => {
    const run = makeRunResult();
    const shuffled = Object.fromEntries(Object.entries(run).reverse()) as typeof run;
    shuffled.load = { k6ExitCode: 0, droppedIterations: 0, requestsSent: 1500, durationMs: 30_000, offeredRatePerSecond: 50 };
    shuffled.versions = { redis: '7', node: 'v24' };
    const text = renderJson(shuffled);
    expect(text).toBe(renderJson({ ...run, load: { ...run.load }, versions: { node: 'v24', redis: '7' } }));
    const parsed = JSON.parse(text);
    expect(Object.keys(parsed).slice(0, 4)).toEqual(['runId', 'scenario', 'system', 'verdict']);
    expect(Object.keys(parsed).slice(-3)).toEqual(['replay', 'blastRadius', 'recovery']);
    expect(Object.keys(parsed.load)).toEqual(['offeredRatePerSecond', 'durationMs', 'requestsSent', 'droppedIterations', 'k6ExitCode']);
    expect(Object.keys(parsed.checks[2])).toEqual(['id', 'kind', 'name', 'phase', 'endpoint', 'status', 'measured', 'threshold', 'unit', 'why']);
  });

  it('is pretty-printed, keeps nulls and ends with a newline', () => {
    const text = renderJson(makeRunResult({ load: { ...makeRunResult().load, k6ExitCode: null } }));
    expect(text).toMatch(/^\{\n {2}"runId": /);
    expect(text).toContain('"k6ExitCode": null');
    expect(text.endsWith('}\n')).toBe(true);
  });
});
