// The iptables rule behind a packet drop in one container's network namespace, and the counters
// that prove it: `iptables -L INPUT -v -x -n` gives each rule's packets and bytes, and the chain's
// policy counters (what went through to the end of the chain: everything the rule did not drop).

/** The rule that drops `probability` of the packets arriving, tagged with `comment` to find it again. */
export function dropRule(probability: number, comment: string): string[] {
  return ['INPUT', '-m', 'statistic', '--mode', 'random', '--probability', String(probability), '-m', 'comment', '--comment', comment, '-j', 'DROP'];
}

export interface InputCounters {
  /** packets that reached the end of the INPUT chain (its policy, ACCEPT in a container) */
  policyPackets: number;
  /** the tagged rule's counters; undefined when no rule carries the comment */
  rule?: { packets: number; bytes: number };
}

/** Reads the listing of `iptables -L INPUT -v -x -n`; throws when it is not one. */
export function parseInputChain(listing: string, comment: string): InputCounters {
  const header = /^Chain INPUT \(policy \w+ (\d+) packets, (\d+) bytes\)/m.exec(listing);
  if (header === null) throw new Error(`not an iptables listing of the INPUT chain: ${JSON.stringify(listing.slice(0, 200))}`);
  const tag = `/* ${comment} */`;
  const line = listing.split('\n').find((l) => l.trimEnd().endsWith(tag) || l.includes(`${tag} `));
  const counts = line === undefined ? null : /^\s*(\d+)\s+(\d+)\s/.exec(line);
  return { policyPackets: Number(header[1]), ...(counts === null ? {} : { rule: { packets: Number(counts[1]), bytes: Number(counts[2]) } }) };
}
