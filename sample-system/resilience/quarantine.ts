// Poison-pill quarantine: a request payload that crashed or hung a worker is fingerprinted, and
// once it has hurt `hurtsToQuarantine` times (twice) it is refused at the edge, fast, for
// `quarantineMs`, instead of being let through to take down the next replica. The fingerprint is
// the payload's identity (method, route, query, body), not the tenant's, so a retry or another
// copy of the same pill is caught too. Hurts older than `quarantineMs` are forgotten; the store
// is bounded. The clock is injected.

import { createHash } from 'node:crypto';

export interface QuarantineOptions {
  hurtsToQuarantine: number;
  quarantineMs: number;
  /** fingerprints remembered at most (oldest forgotten first) */
  maxEntries: number;
  /** false: nothing is ever quarantined */
  enabled: boolean;
  nowMs?: () => number;
}

export interface Quarantine {
  isQuarantined(fingerprint: string): boolean;
  /** a request with this fingerprint hurt a worker; true when that put it in quarantine */
  hurt(fingerprint: string): boolean;
  size(): number;
}

/** A payload's identity: method, route pattern, the query in key order, and the body. */
export function fingerprint(method: string, route: string, query: Readonly<Record<string, unknown>>, body: unknown): string {
  const sortedQuery = Object.keys(query)
    .sort()
    .map((k) => `${k}=${JSON.stringify(query[k])}`)
    .join('&');
  return createHash('sha256')
    .update(`${method} ${route}\n${sortedQuery}\n${body === undefined ? '' : JSON.stringify(body)}`)
    .digest('hex')
    .slice(0, 24);
}

interface Entry {
  hurts: number;
  firstHurtMs: number;
  quarantinedUntilMs: number;
}

export function createQuarantine(options: QuarantineOptions): Quarantine {
  const nowMs = options.nowMs ?? Date.now;
  const entries = new Map<string, Entry>();
  return {
    isQuarantined(fp) {
      if (!options.enabled) return false;
      const entry = entries.get(fp);
      return entry !== undefined && entry.quarantinedUntilMs > nowMs();
    },
    hurt(fp) {
      if (!options.enabled) return false;
      const now = nowMs();
      let entry = entries.get(fp);
      if (entry === undefined || (entry.quarantinedUntilMs <= now && now - entry.firstHurtMs > options.quarantineMs)) {
        entry = { hurts: 0, firstHurtMs: now, quarantinedUntilMs: 0 };
        entries.delete(fp);
        entries.set(fp, entry);
        if (entries.size > options.maxEntries) entries.delete(entries.keys().next().value as string);
      }
      entry.hurts++;
      if (entry.hurts < options.hurtsToQuarantine || entry.quarantinedUntilMs > now) return false;
      entry.quarantinedUntilMs = now + options.quarantineMs;
      return true;
    },
    size: () => entries.size,
  };
}
