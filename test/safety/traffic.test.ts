// The traffic proof's pure half: reading the byte_counter series from Toxiproxy's /metrics text,
// and judging whether anything crossed the edge while the fault was in force.

import { describe, expect, it } from 'vitest';
import { trafficProof } from '../../harness/faults/traffic.ts';
import { counterBytesFrom } from '../../harness/runtime/toxiproxy.ts';

const METRICS = `# HELP faultline_toxic_bytes_total Bytes that passed a byte_counter toxic, by its tag.
# TYPE faultline_toxic_bytes_total counter
faultline_toxic_bytes_total{tag="catalog_to_redis:faultline-0-latency:downstream"} 1234
faultline_toxic_bytes_total{tag="catalog_to_redis:faultline-0-latency:upstream"} 56
faultline_toxic_bytes_total{tag="catalog_to_postgres:faultline-1-latency:upstream"} 9e+06
toxiproxy_proxy_received_bytes_total{direction="upstream",listener="127.0.0.1:1",proxy="catalog_to_redis",upstream="127.0.0.1:2"} 777
`;

describe('counterBytesFrom', () => {
  it('reads one tag’s counter, in any number notation Prometheus writes', () => {
    expect(counterBytesFrom(METRICS, 'catalog_to_redis:faultline-0-latency:upstream')).toBe(56);
    expect(counterBytesFrom(METRICS, 'catalog_to_redis:faultline-0-latency:downstream')).toBe(1234);
    expect(counterBytesFrom(METRICS, 'catalog_to_postgres:faultline-1-latency:upstream')).toBe(9_000_000);
  });

  it('counts 0 for a tag with no series yet (no connection carried the counter)', () => {
    expect(counterBytesFrom(METRICS, 'gateway_to_catalog:faultline-0-latency:upstream')).toBe(0);
    expect(counterBytesFrom('', 'x')).toBe(0);
  });
});

describe('trafficProof', () => {
  it('says a fault missed when no byte crossed between the proof and the removal, in numbers', () => {
    const proof = trafficProof('catalog->redis', { upstream: 56, downstream: 1234 }, { upstream: 56, downstream: 1234 });
    expect(proof).toEqual({
      landed: false,
      evidence:
        'no traffic crossed catalog->redis while the fault was in force: 0 bytes client->server and 0 bytes server->client crossed it between the proof and the removal; the system never used the edge, so the fault changed nothing',
    });
  });

  it('counts a fault as landed when the system sent anything across, either way', () => {
    expect(trafficProof('e', { upstream: 0, downstream: 0 }, { upstream: 14, downstream: 0 }).landed).toBe(true);
    expect(trafficProof('e', { upstream: 0, downstream: 0 }, { upstream: 0, downstream: 5 })).toEqual({
      landed: true,
      evidence:
        'the system used e while the fault was in force: 0 bytes client->server and 5 bytes server->client crossed it between the proof and the removal',
    });
  });

  it('does not count a fault as landed when a counter reading is missing', () => {
    expect(trafficProof('e', 'the fault was removed before its proof finished', { upstream: 9, downstream: 9 })).toEqual({
      landed: false,
      evidence: 'traffic across e while the fault was in force is unknown: the fault was removed before its proof finished',
    });
    expect(trafficProof('e', { upstream: 0, downstream: 0 }, 'Toxiproxy GET /metrics answered 404').landed).toBe(false);
  });
});
