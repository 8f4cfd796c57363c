// What a service part is started with, on either runtime: its command and environment with the
// declaration's templates filled in, plus the system's switches for the patterns switched off.

import type { ResolvedPart, System } from '../system/system.ts';
import { edgesNamed, expandTemplate, type TemplateValues } from '../system/template.ts';

type ServicePart = Extract<ResolvedPart, { kind: 'service' }>;

export interface Placement {
  /** what {{host}} is: where the part listens (127.0.0.1 locally, 0.0.0.0 in a container) */
  host: string;
  /** the port it listens on */
  port: number;
  /** 1-based */
  replica: number;
  /** the Node binary {{node}} names */
  node: string;
  /** the system's folder as the part sees it */
  root: string;
  /** host:port the part dials for one edge (by the edge's full name) */
  edgeAddress(edge: string): string | undefined;
}

function valuesFor(system: System, part: ServicePart, disabled: readonly string[], at: Placement): TemplateValues {
  return {
    edge: (name) =>
      edgesNamed(
        system.edges.filter((e) => e.from === part.name),
        name,
      ).flatMap((e) => at.edgeAddress(e.name) ?? []),
    variables: { port: String(at.port), host: at.host, replica: String(at.replica), node: at.node, root: at.root, disabled: disabled.join(',') },
  };
}

/** The part's environment: its own (templates filled), the switch variable, and each switched-off pattern's variables. */
export function partEnv(system: System, part: ServicePart, disabled: readonly string[], at: Placement): Record<string, string> {
  const values = valuesFor(system, part, disabled, at);
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(part.env ?? {})) env[key] = expandTemplate(value, values);
  if (system.switchEnv !== undefined) env[system.switchEnv] = disabled.join(',');
  for (const name of disabled) Object.assign(env, system.patterns[name]?.env ?? {});
  return env;
}

/** The part's command with its templates filled (undefined when it has none). */
export function partCommand(system: System, part: ServicePart, disabled: readonly string[], at: Placement): string[] | undefined {
  const values = valuesFor(system, part, disabled, at);
  return part.command?.map((arg) => expandTemplate(arg, values));
}

/** Whether the part is told its port ({{port}} in its command or environment), so a runtime may choose it. */
export const takesPort = (part: ServicePart): boolean => [...(part.command ?? []), ...Object.values(part.env ?? {})].some((v) => /\{\{\s*port\s*\}\}/.test(v));
