// Which request hurt a replica. A hop that timed out or lost its connection mid-request may have
// met a poison pill — or a slow database, or a network fault. It is the pill's doing only if the
// replica itself stopped answering its liveness check (a hung event loop, a dead process), and
// then the request to blame is the first one that failed on that replica: every request sent
// after the pill queued behind it and failed later. One hurt per incident; the incident ends when
// the replica answers again.

import type { Quarantine } from '../resilience/quarantine.ts';

export interface PoisonDetectorOptions {
  quarantine: Quarantine;
  /** GET /health/live on one replica of one upstream, with a short timeout */
  isLive: (upstream: string, replica: number) => Promise<boolean>;
  onHurt?: (fingerprint: string, upstream: string, replica: number) => void;
  onQuarantined?: (fingerprint: string) => void;
}

export interface PoisonDetector {
  /** a hop for `fingerprint` failed: timed out, or the connection broke after it was sent */
  failed(fingerprint: string, upstream: string, replica: number): void;
  /** the replica answered a hop: any incident on it is over */
  answered(upstream: string, replica: number): void;
}

export function createPoisonDetector(options: PoisonDetectorOptions): PoisonDetector {
  const incidents = new Set<string>();
  return {
    failed(fp, upstream, replica) {
      const key = `${upstream}#${replica}`;
      if (incidents.has(key)) return;
      incidents.add(key);
      void options.isLive(upstream, replica).then(
        (live) => {
          if (live) return void incidents.delete(key); // the replica is fine: not a pill
          options.onHurt?.(fp, upstream, replica);
          if (options.quarantine.hurt(fp)) options.onQuarantined?.(fp);
        },
        () => undefined,
      );
    },
    answered(upstream, replica) {
      incidents.delete(`${upstream}#${replica}`);
    },
  };
}
