// Environment templates of a system declaration: how a part learns, at boot, the addresses of its
// edges and its own port without the declaration knowing which runtime or port it will get.
//   DATABASE_URL: 'postgres://faultline@{{edge "api->db"}}/faultline'
//   UPSTREAMS:    '{{edge "web->api" prefix="http://"}}'   (http://h1:p1,http://h2:p2 for replicas)
//   PORT: '{{port}}'   REPLICA_ID: 'api-{{replica}}'   OFF: '{{disabled}}'

const TOKEN = /\{\{\s*([^{}]*?)\s*\}\}/g;
const EDGE = /^edge\s+"([^"]+)"(?:\s+prefix="([^"]*)")?$/;
const VARIABLES = ['port', 'host', 'replica', 'node', 'root', 'disabled'] as const;
export type TemplateVariable = (typeof VARIABLES)[number];

/** Each template token of `text`: an edge it names, or why it is not a token we know. */
export function templateEdges(text: string): { edge: string; error?: undefined }[] | { edge?: undefined; error: string }[] {
  const out: ({ edge: string; error?: undefined } | { edge?: undefined; error: string })[] = [];
  for (const m of text.matchAll(TOKEN)) {
    const body = m[1] as string;
    const edge = EDGE.exec(body);
    if (edge) out.push({ edge: edge[1] as string });
    else if (!(VARIABLES as readonly string[]).includes(body)) out.push({ error: `{{${body}}} is not a template variable` });
  }
  return out as { edge: string }[];
}

export interface TemplateValues {
  /** host:port the caller dials for an edge name `from->to`; several for a replicated callee */
  edge(name: string): readonly string[];
  variables: Readonly<Record<TemplateVariable, string>>;
}

/** Fills every token of `text`; an unknown token or edge throws (validation has ruled both out). */
export function expandTemplate(text: string, values: TemplateValues): string {
  return text.replace(TOKEN, (_, raw: string) => {
    const edge = EDGE.exec(raw);
    if (edge) {
      const addresses = values.edge(edge[1] as string);
      if (addresses.length === 0) throw new Error(`{{${raw}}}: no such edge in this stack`);
      return addresses.map((a) => `${edge[2] ?? ''}${a}`).join(',');
    }
    if ((VARIABLES as readonly string[]).includes(raw)) return values.variables[raw as TemplateVariable];
    throw new Error(`{{${raw}}} is not a template variable`);
  });
}

/** Every edge of a part named `from->to`, or `from->to-N` for the replicas of a replicated callee. */
export function edgesNamed<E extends { name: string; from: string; to: string }>(edges: readonly E[], name: string): E[] {
  const exact = edges.filter((e) => e.name === name);
  if (exact.length > 0) return exact;
  return edges.filter((e) => `${e.from}->${e.to}` === name);
}
