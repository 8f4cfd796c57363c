// Which request hurt a replica. A hop that timed out or lost its connection mid-request may have
// met a poison pill — or a slow database, or a network fault. It is a pill's doing only if the
// replica itself stopped answering its liveness check (a hung event loop, a dead process): an
// incident. Every request that fails on the replica during an incident is a suspect, since the
// gateway cannot see which one the replica was working on: requests sent before the pill that
// were still waiting on their database fail first, and everything queued after it fails too.
// What singles the pill out is that it fails (nearly) every time it is sent, while an innocent
// payload fails only when it happens to share a replica with a pill: a suspect is blamed (one
// hurt per incident) only when >= 80% of its completed hops failed in incidents. The incident ends
// when the replica answers again.

import type { Quarantine } from '../resilience/quarantine.ts';

export interface PoisonDetectorOptions {
  quarantine: Quarantine;
  /** GET /health/live on one replica of one upstream, with a short timeout */
  isLive: (upstream: string, replica: number) => Promise<boolean>;
  onHurt?: (fingerprint: string, upstream: string, replica: number) => void;
  onQuarantined?: (fingerprint: string) => void;
  /** share of a payload's completed hops that must have failed in incidents to blame it (default 0.8) */
  blameShare?: number;
  /** payloads whose hops are counted at most (oldest forgotten first) */
  maxTracked?: number;
}

export interface PoisonDetector {
  /** a hop for `fingerprint` failed: timed out, or the connection broke after it was sent */
  failed(fingerprint: string, upstream: string, replica: number): void;
  /** a hop for `fingerprint` was answered by the replica: any incident on it is over */
  answered(fingerprint: string, upstream: string, replica: number): void;
}

interface Incident {
  /** null while the liveness check runs; then whether the replica was hung */
  hung: boolean | null;
  /** failures waiting for the liveness verdict */
  pending: string[];
  /** payloads already blamed in this incident (one hurt per incident) */
  blamed: Set<string>;
}

interface Tally {
  completed: number;
  failedInIncidents: number;
}

export function createPoisonDetector(options: PoisonDetectorOptions): PoisonDetector {
  const blameShare = options.blameShare ?? 0.8;
  const maxTracked = options.maxTracked ?? 10_000;
  const incidents = new Map<string, Incident>();
  const tallies = new Map<string, Tally>();
  const tally = (fp: string): Tally => {
    let t = tallies.get(fp);
    if (t === undefined) {
      tallies.set(fp, (t = { completed: 0, failedInIncidents: 0 }));
      if (tallies.size > maxTracked) tallies.delete(tallies.keys().next().value as string);
    }
    return t;
  };
  const suspect = (fp: string, incident: Incident, upstream: string, replica: number): void => {
    const t = tally(fp);
    t.failedInIncidents++;
    if (incident.blamed.has(fp) || t.failedInIncidents < blameShare * t.completed) return;
    incident.blamed.add(fp);
    options.onHurt?.(fp, upstream, replica);
    if (options.quarantine.hurt(fp)) options.onQuarantined?.(fp);
  };
  return {
    failed(fp, upstream, replica) {
      tally(fp).completed++;
      const key = `${upstream}#${replica}`;
      const open = incidents.get(key);
      if (open !== undefined) {
        if (open.hung === true) suspect(fp, open, upstream, replica);
        else if (open.hung === null) open.pending.push(fp);
        return;
      }
      const incident: Incident = { hung: null, pending: [fp], blamed: new Set() };
      incidents.set(key, incident);
      void options.isLive(upstream, replica).then(
        (live) => {
          if (incidents.get(key) !== incident) return; // the replica answered meanwhile
          if (live) return void incidents.delete(key); // the replica is fine: not a pill
          incident.hung = true;
          for (const suspectFp of incident.pending.splice(0)) suspect(suspectFp, incident, upstream, replica);
        },
        () => void incidents.delete(key),
      );
    },
    answered(fp, upstream, replica) {
      tally(fp).completed++;
      incidents.delete(`${upstream}#${replica}`);
    },
  };
}
