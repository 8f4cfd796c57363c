// Reading a service's environment at the edge: every problem is collected and reported at once,
// naming the variable, what it held and what is allowed. Inside, the typed config is trusted.

export class EnvError extends Error {
  readonly problems: readonly string[];
  constructor(service: string, problems: readonly string[]) {
    super(`${service}: invalid environment:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'EnvError';
    this.problems = problems;
  }
}

export type Env = Readonly<Record<string, string | undefined>>;

export interface EnvReader {
  string(name: string, fallback?: string): string;
  port(name: string, fallback?: number): number;
  positiveInt(name: string, fallback: number): number;
  /** one or more comma-separated URLs whose protocol is one of `protocols` (e.g. 'http:') */
  urls(name: string, protocols: readonly string[]): URL[];
  url(name: string, protocols: readonly string[]): URL;
  /** like url(), but an absent variable is undefined rather than a problem */
  optionalUrl(name: string, protocols: readonly string[]): URL | undefined;
  /** records a problem found by the caller's own check (e.g. a parse function that throws) */
  check<T>(name: string, parse: () => T, fallback: T): T;
}

export function readEnv<T>(service: string, env: Env, read: (reader: EnvReader) => T): T {
  const problems: string[] = [];
  const raw = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  const reader: EnvReader = {
    string(name, fallback) {
      const value = raw(name) ?? fallback;
      if (value === undefined) problems.push(`${name} is required`);
      return value ?? '';
    },
    port(name, fallback) {
      const value = raw(name);
      if (value === undefined && fallback !== undefined) return fallback;
      const port = Number(value);
      if (value === undefined) problems.push(`${name} is required (a TCP port, 1..65535)`);
      else if (!/^\d+$/.test(value) || port < 1 || port > 65535) problems.push(`${name}="${value}" is not a TCP port (1..65535)`);
      return port;
    },
    positiveInt(name, fallback) {
      const value = raw(name);
      if (value === undefined) return fallback;
      if (!/^\d+$/.test(value) || Number(value) < 1) problems.push(`${name}="${value}" is not a positive integer`);
      return Number(value);
    },
    urls(name, protocols) {
      const value = raw(name);
      if (value === undefined) {
        problems.push(`${name} is required (${protocols.map((p) => `${p}//...`).join(' or ')})`);
        return [];
      }
      const urls: URL[] = [];
      for (const part of value
        .split(',')
        .map((p) => p.trim())
        .filter((p) => p !== '')) {
        const url = URL.canParse(part) ? new URL(part) : undefined;
        if (url === undefined || !protocols.includes(url.protocol))
          problems.push(`${name}: "${part}" is not a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`);
        else urls.push(url);
      }
      if (urls.length === 0 && !problems.some((p) => p.startsWith(`${name}:`))) problems.push(`${name}="${value}" names no URL`);
      return urls;
    },
    url(name, protocols) {
      const urls = reader.urls(name, protocols);
      if (urls.length > 1) problems.push(`${name} must be a single URL, got ${urls.length}`);
      return urls[0] ?? new URL('invalid://');
    },
    optionalUrl(name, protocols) {
      return raw(name) === undefined ? undefined : reader.url(name, protocols);
    },
    check(name, parse, fallback) {
      try {
        return parse();
      } catch (error) {
        problems.push(error instanceof Error ? error.message : `${name}: ${String(error)}`);
        return fallback;
      }
    },
  };
  const config = read(reader);
  if (problems.length > 0) throw new EnvError(service, problems);
  return config;
}

/** Parses the environment or exits 1 with the problems on stderr (services call this first). */
export function configOrExit<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}
