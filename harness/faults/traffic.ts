// Traffic proof: did the system send anything across an edge while a fault was in force? A toxic
// on an edge nobody used changed nothing, so it did not land, whatever the probe saw. Counted by
// two byte_counter toxics (faultline's, tools/toxiproxy), one per stream, added before the
// fault's toxic so they count what the system sent into the edge, even bytes the fault swallows; Toxiproxy's own per-proxy byte counters only move when a connection closes, and the
// services' pooled connections stay open through a whole fault.

import { SETUP_COMMAND } from '../paths.ts';
import { addToxic, counterBytesFrom, metrics, removeToxic, ToxiproxyError } from '../runtime/toxiproxy.ts';
import { leasesAt } from './lease.ts';
import type { Proof } from './types.ts';

/** Bytes per stream: upstream is client -> server (requests), downstream the answers. */
export interface StreamBytes {
  upstream: number;
  downstream: number;
}

export interface TrafficCounters {
  /** attaches the counters to the proxy (and every open connection through it) */
  add(): Promise<void>;
  read(): Promise<StreamBytes>;
  /** detaches them; safe to call twice and after a failed add */
  remove(): Promise<void>;
}

const STREAMS = ['upstream', 'downstream'] as const;

export function trafficCounters(toxiproxyUrl: string, proxy: string, faultName: string): TrafficCounters {
  const name = (stream: string): string => `${faultName}-bytes-${stream}`;
  const tag = (stream: string): string => `${proxy}:${faultName}:${stream}`;
  const leases = leasesAt(toxiproxyUrl); // a counter is a toxic too: leased like the fault's (lease.ts)
  return {
    async add() {
      try {
        for (const stream of STREAMS) {
          await leases.hold({ proxy, toxic: name(stream) });
          await addToxic(toxiproxyUrl, proxy, { name: name(stream), type: 'byte_counter', stream, toxicity: 1, attributes: { tag: tag(stream) } });
        }
      } catch (error) {
        const unknownType = error instanceof ToxiproxyError && error.status === 400 && /byte_counter/.test(error.message);
        if (!unknownType) throw error;
        throw new Error(
          `${error.message} (this toxiproxy-server lacks faultline's byte_counter toxic: run \`${SETUP_COMMAND}\` to build faultline's toxiproxy-server)`,
        );
      }
    },
    async read() {
      const text = await metrics(toxiproxyUrl);
      return { upstream: counterBytesFrom(text, tag('upstream')), downstream: counterBytesFrom(text, tag('downstream')) };
    },
    async remove() {
      for (const stream of STREAMS) {
        await removeToxic(toxiproxyUrl, proxy, name(stream)).catch((error: unknown) => {
          if (!(error instanceof ToxiproxyError && error.status === 404)) throw error;
        });
        await leases.release({ proxy, toxic: name(stream) });
      }
    },
  };
}

/**
 * The proof from the counters after the fault's own proof (so the probe's bytes do not count) and
 * just before its removal; a string says why a reading is missing. No bytes: the fault missed.
 */
export function trafficProof(edgeName: string, afterProof: StreamBytes | string, atRemoval: StreamBytes | string): Proof {
  if (typeof afterProof === 'string' || typeof atRemoval === 'string')
    return {
      landed: false,
      evidence: `traffic across ${edgeName} while the fault was in force is unknown: ${typeof afterProof === 'string' ? afterProof : atRemoval}`,
    };
  const up = atRemoval.upstream - afterProof.upstream;
  const down = atRemoval.downstream - afterProof.downstream;
  const figures = `${up} bytes client->server and ${down} bytes server->client crossed it between the proof and the removal`;
  if (up + down <= 0)
    return {
      landed: false,
      evidence: `no traffic crossed ${edgeName} while the fault was in force: ${figures}; the system never used the edge, so the fault changed nothing`,
    };
  return { landed: true, evidence: `the system used ${edgeName} while the fault was in force: ${figures}` };
}
