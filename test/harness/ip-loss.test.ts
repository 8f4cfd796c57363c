import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../harness/cli.ts';
import { defineScenario, faults, slo } from '../../harness/define.ts';
import { countRule, dropRule, parseInputChain } from '../../harness/runtime/iptables.ts';
import { runtimeProblems, ScenarioError, validateScenario } from '../../harness/scenario.ts';
import { shop } from '../helpers/systems.ts';

const scenario = (fault: unknown): unknown =>
  defineScenario({
    system: 'shop',
    name: 'x-ip-loss',
    description: 'a test scenario',
    load: { rate: 20, duration: '30s', mix: { 'GET /products/:id': 1 } },
    faults: [{ at: '10s', for: '10s', fault: fault as ReturnType<typeof faults.ipLoss> }],
    slos: [slo.availability({ endpoint: 'GET /products/:id', min: 0.99 })],
    protectedBy: ['timeout'],
  });

function problems(fault: unknown): string[] {
  try {
    validateScenario(scenario(fault), 'scenarios/x-ip-loss.ts', shop);
    return [];
  } catch (error) {
    if (error instanceof ScenarioError) return error.problems;
    throw error;
  }
}

const LISTING = `Chain INPUT (policy ACCEPT 0 packets, 0 bytes)
    pkts      bytes target     prot opt in     out     source               destination
     121     8711            0    --  *      *       0.0.0.0/0            0.0.0.0/0            /* faultline-0-ipLoss-seen */
      37     2413 DROP       0    --  *      *       0.0.0.0/0            0.0.0.0/0            statistic mode random probability 0.30000000000 /* faultline-0-ipLoss */
       4      240 DROP       0    --  *      *       0.0.0.0/0            0.0.0.0/0            statistic mode random probability 0.50000000000 /* faultline-1-ipLoss */
`;

describe('ipLoss fault: parameters', () => {
  it('accepts a part and a probability in (0, 1]', () => {
    expect(problems(faults.ipLoss({ part: 'redis', probability: 0.3 }))).toEqual([]);
    expect(problems(faults.ipLoss({ part: 'catalog-2', probability: 1 }))).toEqual([]);
  });

  it('refuses Toxiproxy, an unknown part and a probability outside (0, 1], naming the field', () => {
    expect(problems(faults.ipLoss({ part: 'toxiproxy', probability: 0.3 }))).toEqual([
      expect.stringMatching(/^scenarios\/x-ip-loss\.ts: faults\[0\]\.fault\.part "toxiproxy" is not a part; parts are: postgres, redis, /),
    ]);
    expect(problems(faults.ipLoss({ part: 'redis', probability: 0 }))).toEqual([
      'scenarios/x-ip-loss.ts: faults[0].fault.probability 0 must be a number of chance per packet in (0, 1]',
    ]);
    expect(problems(faults.ipLoss({ part: 'redis', probability: 1.5 }))[0]).toMatch(/probability 1\.5 must be a number/);
  });

  it('is refused on the local runtime with the file, the field and --runtime docker, and allowed on docker', () => {
    const s = validateScenario(scenario(faults.ipLoss({ part: 'redis', probability: 0.3 })), 'scenarios/x-ip-loss.ts', shop);
    expect(runtimeProblems(s, 'local')).toEqual([
      'scenarios/x-ip-loss.ts: faults[0].fault.kind "ipLoss" runs on the docker runtime only, and this run uses local; run it with --runtime docker',
    ]);
    expect(runtimeProblems(s, 'docker')).toEqual([]);
    const toxic = validateScenario(scenario(faults.latency({ edge: 'catalog->postgres', ms: 100 })), 'scenarios/x-ip-loss.ts', shop);
    expect(runtimeProblems(toxic, 'local')).toEqual([]);
  });
});

describe('ipLoss fault: the rule and its counters', () => {
  it('finds its own drop rule and counting rule by comment among others and reads packets and bytes', () => {
    expect(parseInputChain(LISTING, 'faultline-0-ipLoss')).toEqual({ dropped: { packets: 37, bytes: 2413 }, seen: { packets: 121, bytes: 8711 } });
    expect(parseInputChain(LISTING, 'faultline-1-ipLoss')).toEqual({ dropped: { packets: 4, bytes: 240 } });
  });

  it('says the rule is gone when no line carries its comment, even one that shares a prefix', () => {
    expect(parseInputChain(LISTING, 'faultline-0-ipLos')).toEqual({});
    expect(parseInputChain('Chain INPUT (policy ACCEPT 0 packets, 0 bytes)\n    pkts      bytes target\n', 'faultline-0-ipLoss')).toEqual({});
  });

  it('throws on output that is not a listing of the INPUT chain', () => {
    expect(() => parseInputChain('iptables: Permission denied (you must be root).', 'x')).toThrow(/not an iptables listing of the INPUT chain/);
  });

  it('drops at random with the given probability and carries the comment; the counting rule has no target; loopback is spared', () => {
    expect(dropRule(0.3, 'faultline-0-ipLoss').join(' ')).toBe(
      'INPUT ! -i lo -m statistic --mode random --probability 0.3 -m comment --comment faultline-0-ipLoss -j DROP',
    );
    expect(countRule('faultline-0-ipLoss').join(' ')).toBe('INPUT ! -i lo -m comment --comment faultline-0-ipLoss-seen');
  });
});

describe('ipLoss fault: the CLI', () => {
  it('exits 2 before booting anything when a scenario with ipLoss runs on the local runtime', async () => {
    const err: string[] = [];
    const file = join(import.meta.dirname, '..', 'docker', 'fixtures', 'ip-loss-short.ts');
    const code = await main([file, '--runtime', 'local', '--report-dir', join(import.meta.dirname, 'no-such-reports')], {
      out: () => undefined,
      err: (l) => err.push(l),
    });
    expect(code).toBe(2);
    expect(err.join('\n')).toMatch(
      /test\/docker\/fixtures\/ip-loss-short\.ts: faults\[0\]\.fault\.kind "ipLoss" runs on the docker runtime only, and this run uses local; run it with --runtime docker/,
    );
    expect(err.join('\n')).not.toMatch(/run \S+: ip-loss-short/);
  });
});
