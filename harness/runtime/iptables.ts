// The iptables rules behind a packet drop in one container's network namespace, and the counters
// that prove it: a counting rule (no target) ahead of the DROP rule sees every packet arriving, the
// DROP rule counts the ones it dropped; `iptables -L INPUT -v -x -n` lists both. The chain's policy
// counters cannot serve: with the nf_tables backend (Debian's default) they stay at 0. Loopback
// is spared: the network is lossy, not the part's talk with itself.

export interface RuleCounter {
  packets: number;
  bytes: number;
}

/** The comment of the counting rule that goes with the drop tagged `comment`. */
export const seenComment = (comment: string): string => `${comment}-seen`;

/** The rule that drops `probability` of the packets arriving, tagged with `comment` to find it again. */
export function dropRule(probability: number, comment: string): string[] {
  return [
    'INPUT',
    '!',
    '-i',
    'lo',
    '-m',
    'statistic',
    '--mode',
    'random',
    '--probability',
    String(probability),
    '-m',
    'comment',
    '--comment',
    comment,
    '-j',
    'DROP',
  ];
}

/** A rule without a target: it only counts what arrives, and lets it on to the drop rule below it. */
export function countRule(comment: string): string[] {
  return ['INPUT', '!', '-i', 'lo', '-m', 'comment', '--comment', seenComment(comment)];
}

export interface DropCounters {
  /** the drop rule's counters; undefined when no rule carries the comment */
  dropped?: RuleCounter;
  /** the counting rule's: every packet that arrived while it was there */
  seen?: RuleCounter;
}

function counterOf(lines: readonly string[], comment: string): RuleCounter | undefined {
  const line = lines.find((l) => l.includes(`/* ${comment} */`));
  const counts = line === undefined ? null : /^\s*(\d+)\s+(\d+)\s/.exec(line);
  return counts === null ? undefined : { packets: Number(counts[1]), bytes: Number(counts[2]) };
}

/** Reads the listing of `iptables -L INPUT -v -x -n`; throws when it is not one. */
export function parseInputChain(listing: string, comment: string): DropCounters {
  if (!/^Chain INPUT \(policy \w+/m.test(listing)) throw new Error(`not an iptables listing of the INPUT chain: ${JSON.stringify(listing.slice(0, 200))}`);
  const lines = listing.split('\n');
  const dropped = counterOf(lines, comment);
  const seen = counterOf(lines, seenComment(comment));
  return { ...(dropped === undefined ? {} : { dropped }), ...(seen === undefined ? {} : { seen }) };
}
