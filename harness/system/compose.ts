// A docker-compose.yml as the docker runtime boots it: the keys people use (image, build, command,
// environment, depends_on, healthcheck, ports, expose, volumes), normalised; any other key is
// refused naming it. The parts faultline puts Toxiproxy in front of come from the system
// declaration's edges; composeEdges suggests them from depends_on and from addresses in the environment.
//   examples/x/docker-compose.yml: services.api.network_mode is not supported by faultline (...); supported keys are: ...

import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { unknownFields } from '../fields.ts';
import { SystemError } from './validate.ts';

/** The variables `${VAR}` reads (process.env by default). */
export type ComposeEnv = Readonly<Record<string, string | undefined>>;

export interface ComposeHealthcheck {
  /** argv run in the container (CMD form), or ['sh', '-c', text] for CMD-SHELL and a plain string */
  test: string[];
  intervalMs: number;
  timeoutMs: number;
  retries: number;
  startPeriodMs: number;
}

export interface ComposeVolume {
  /** absolute path on the host (a bind mount) */
  source: string;
  target: string;
  readOnly: boolean;
}

export interface ComposeService {
  name: string;
  image?: string;
  /** context made absolute against the compose file's folder */
  build?: { context: string; dockerfile?: string };
  /** argv; a string command is split as a shell splits words */
  command?: string[];
  environment: Record<string, string>;
  dependsOn: string[];
  healthcheck?: ComposeHealthcheck;
  /** container ports from `ports` and `expose` */
  containerPorts: number[];
  volumes: ComposeVolume[];
  /** named volumes the file mounts (`pgdata:/var/lib/postgresql/data`): dropped, since faultline's stack is thrown away after a run */
  namedVolumes: string[];
}

export interface ComposeSystem {
  /** the compose file (absolute) */
  file: string;
  services: Record<string, ComposeService>;
}

const SERVICE_KEYS = ['image', 'build', 'command', 'environment', 'depends_on', 'healthcheck', 'ports', 'expose', 'volumes', 'networks', 'restart', 'labels'];
const TOP_KEYS = ['services', 'version', 'name', 'networks', 'volumes'];
const IMAGE_SETS = "set it in the image's Dockerfile";
/** Keys faultline cannot honour, and why; any other unknown key is refused too, without a reason. */
const REFUSED: Record<string, string> = {
  container_name: 'it names containers per run, so that runs never collide',
  network_mode: 'it puts every service on a network of its own, with Toxiproxy in front of each edge',
  links: 'services reach each other by name; the calls between them are the declaration edges',
  external_links: 'every part of the system is a service of this file',
  extends: 'it reads one file: write the service out in full',
  profiles: 'it starts every service of the file',
  deploy: 'replicas come from the system declaration: parts.<name>.replicas',
  scale: 'replicas come from the system declaration: parts.<name>.replicas',
  privileged: 'it runs services unprivileged',
  cap_add: 'it runs services with the default capabilities',
  secrets: 'pass values through environment or a bind-mounted file',
  configs: 'pass values through environment or a bind-mounted file',
  entrypoint: `give the whole argv in command, or ${IMAGE_SETS}`,
  env_file: 'write the variables under environment',
  user: IMAGE_SETS,
  working_dir: IMAGE_SETS,
  hostname: 'a service is reached by its name',
  extra_hosts: 'it routes service names to Toxiproxy itself',
  volumes_from: 'use a bind mount',
};
const CONDITIONS = ['service_started', 'service_healthy'];
const MOUNT_MODES = ['ro', 'rw', 'z', 'Z', 'cached', 'delegated', 'consistent', 'nocopy'];
const WELL_KNOWN_PORTS: Record<string, number> = { postgres: 5432, postgresql: 5432, redis: 6379, mysql: 3306, mariadb: 3306, mongo: 27017, mongodb: 27017 };

/** Records a problem with a field; returns undefined so that `return bad(...) ?? fallback` reads as one step. */
type Bad = (field: string, why: string) => undefined;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isScalar = (v: unknown): v is string | number | boolean => ['string', 'number', 'boolean'].includes(typeof v);
const json = (v: unknown): string => JSON.stringify(v) ?? String(v);
const list = (names: readonly string[]): string => names.join(', ') || '(none)';
const isExtension = (key: string): boolean => key.startsWith('x-'); // compose extension fields, there for anchors

/**
 * Parses a compose file's text; throws SystemError listing every problem. `file` makes paths
 * absolute, `shown` names it in messages, `env` fills `${VAR}` and `${VAR:-default}` as compose does.
 */
export function parseCompose(text: string, file: string, shown = file, env: ComposeEnv = process.env): ComposeSystem {
  const problems: string[] = [];
  const bad: Bad = (field, why) => {
    problems.push(`${shown}: ${field} ${why}`);
    return undefined;
  };
  const doc = parseDocument(text, { merge: true });
  if (doc.errors.length > 0)
    throw new SystemError(
      doc.errors.map(
        (e) => `${shown}: line ${e.linePos?.[0].line ?? '?'}, column ${e.linePos?.[0].col ?? '?'} is not valid YAML: ${e.message.split(' at line ')[0]}`,
      ),
    );
  const raw = interpolateTree(doc.toJS(), env, bad);
  if (!isRecord(raw)) throw new SystemError([`${shown}: is not a compose file: it must be a mapping with services: { name: { image: ... } }`]);
  for (const key of Object.keys(raw))
    if (!TOP_KEYS.includes(key) && !isExtension(key)) bad(key, `is not supported by faultline; top-level keys are: ${list(TOP_KEYS)}`);
  namesOnly(raw.networks, 'networks', bad);
  const declaredVolumes = namesOnly(raw.volumes, 'volumes', bad);
  const folder = dirname(resolve(file));
  const services: Record<string, ComposeService> = {};
  if (!isRecord(raw.services) || Object.keys(raw.services).length === 0) bad('services', 'must name at least one service: { api: { image: "..." } }');
  else {
    const ctx = { folder, env, declaredVolumes, networks: isRecord(raw.networks) ? Object.keys(raw.networks) : [], services: Object.keys(raw.services) };
    for (const [name, input] of Object.entries(raw.services)) services[name] = parseService(name, input, ctx, bad);
  }
  if (problems.length > 0) throw new SystemError(problems);
  return { file: resolve(file), services };
}

/** Reads and parses a compose file; a missing or unreadable file is a SystemError naming it. */
export async function loadCompose(path: string, shown = path, env: ComposeEnv = process.env): Promise<ComposeSystem> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const why = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : `cannot be read (${(error as Error).message})`;
    throw new SystemError([`${shown}: the compose file ${why}`]);
  }
  return parseCompose(text, path, shown, env);
}

/**
 * Edges `caller->callee` a compose file suggests: its depends_on, and every address in a service's
 * environment whose host is another service (`db:5432`, `postgres://u@db/x`, `redis://cache`).
 */
export function composeEdges(compose: ComposeSystem): string[] {
  const names = Object.keys(compose.services);
  const edges = new Set<string>();
  for (const s of Object.values(compose.services)) {
    for (const dep of s.dependsOn) edges.add(`${s.name}->${dep}`);
    for (const [key, value] of Object.entries(s.environment))
      for (const host of addressHosts(key, value)) if (host !== s.name && names.includes(host)) edges.add(`${s.name}->${host}`);
  }
  return [...edges].sort();
}

/** Hosts named by an environment value: in URLs, in host:port, or the whole value of a *HOST* / *ADDR* variable. */
function addressHosts(key: string, value: string): string[] {
  const hosts: string[] = [];
  for (const token of value.split(/[\s,;]+/)) {
    const url = /^(?:[a-z][a-z0-9+.:-]*:\/\/)(?:[^@/]*@)?([A-Za-z0-9._-]+)/i.exec(token);
    const hostPort = /^([A-Za-z][A-Za-z0-9._-]*):\d+(?:[/?#]|$)/.exec(token);
    const found = url?.[1] ?? hostPort?.[1];
    if (found !== undefined) hosts.push(found);
  }
  if (/HOST|ADDR/i.test(key) && /^[A-Za-z0-9._-]+$/.test(value)) hosts.push(value);
  return hosts;
}

/** The container port a callee listens on: its first declared port, else its image's well-known one. */
export function composePorts(service: ComposeService): number | undefined {
  if (service.containerPorts[0] !== undefined) return service.containerPorts[0];
  const repository = (service.image ?? '').split('@')[0]?.split('/').pop()?.split(':')[0] ?? '';
  return WELL_KNOWN_PORTS[repository];
}

/** Top-level networks and volumes: faultline makes its own, so they may only declare names. */
function namesOnly(value: unknown, field: string, bad: Bad): string[] {
  if (value === undefined || value === null) return [];
  if (!isRecord(value)) return bad(field, `${json(value)} must map names to nothing, e.g. { pgdata: {} }`) ?? [];
  for (const [name, options] of Object.entries(value))
    if (options !== null && !(isRecord(options) && Object.keys(options).length === 0))
      bad(
        `${field}.${name}`,
        `${json(options)} is not supported by faultline: it makes its own ${field}, so ${field} may only declare names, e.g. ${name}: {}`,
      );
  return Object.keys(value);
}

interface Context {
  folder: string;
  env: ComposeEnv;
  declaredVolumes: string[];
  networks: string[];
  services: string[];
}

function parseService(name: string, input: unknown, ctx: Context, bad: Bad): ComposeService {
  const at = `services.${name}`;
  const service: ComposeService = { name, environment: {}, dependsOn: [], containerPorts: [], volumes: [], namedVolumes: [] };
  if (!isRecord(input)) return bad(at, `${json(input)} must be a mapping: { image: "...", ... }`) ?? service;
  for (const key of Object.keys(input)) {
    if (SERVICE_KEYS.includes(key) || isExtension(key)) continue;
    const typo = unknownFields({ [key]: null }, SERVICE_KEYS, 'a compose service')[0]?.text ?? '';
    const why = REFUSED[key] === undefined ? '' : ` (${REFUSED[key]})`;
    bad(`${at}.${key}`, typo.includes('did you mean') && why === '' ? typo : `is not supported by faultline${why}; supported keys are: ${list(SERVICE_KEYS)}`);
  }
  const { image, build, command } = input;
  if (image !== undefined) {
    if (typeof image === 'string' && image !== '') service.image = image;
    else bad(`${at}.image`, `${json(image)} must be an image name, e.g. "postgres:16"`);
  }
  if (build !== undefined) {
    const b = typeof build === 'string' ? { context: build } : build;
    const shape = 'must be a folder, or { context: "./folder", dockerfile?: "Dockerfile" }';
    if (!isRecord(b)) bad(`${at}.build`, `${json(build)} ${shape}`);
    else {
      for (const key of Object.keys(b))
        if (!['context', 'dockerfile'].includes(key)) bad(`${at}.build.${key}`, `is not supported by faultline; build supports: context, dockerfile`);
      const context = b.context ?? '.';
      if (typeof context !== 'string' || context === '' || /^[a-z]+:\/\/|^git@/i.test(context))
        bad(`${at}.build.context`, `${json(context)} must be a local folder, relative to the compose file`);
      else if (b.dockerfile !== undefined && (typeof b.dockerfile !== 'string' || b.dockerfile === ''))
        bad(`${at}.build.dockerfile`, `${json(b.dockerfile)} must be a file name, relative to the context`);
      else service.build = { context: resolve(ctx.folder, context), ...(b.dockerfile === undefined ? {} : { dockerfile: b.dockerfile as string }) };
    }
  }
  if (image === undefined && build === undefined) bad(at, 'has neither image nor build: give image: "name:tag" or build: "./folder"');
  if (command !== undefined) {
    const argv = typeof command === 'string' ? shellWords(command) : Array.isArray(command) && command.every(isScalar) ? command.map(String) : undefined;
    if (argv === undefined || argv.length === 0)
      bad(
        `${at}.command`,
        `${json(command)} must be a command line ("node app.js --port 80", quotes allowed and closed) or a non-empty list ["node", "app.js"]`,
      );
    else service.command = argv;
  }
  service.environment = environmentOf(input.environment, `${at}.environment`, ctx.env, bad);
  service.dependsOn = dependsOnOf(input.depends_on, `${at}.depends_on`, ctx.services, bad);
  const health = healthcheckOf(input.healthcheck, `${at}.healthcheck`, bad);
  if (health !== undefined) service.healthcheck = health;
  for (const key of ['ports', 'expose'] as const) {
    const entries = input[key] ?? [];
    if (!Array.isArray(entries)) bad(`${at}.${key}`, `${json(entries)} must be a list, e.g. ["8080:80"]`);
    else
      entries.forEach((entry: unknown, i: number) => {
        const port = containerPort(entry, key === 'expose');
        if (typeof port === 'string') bad(`${at}.${key}[${i}]`, `${json(entry)} ${port}`);
        else if (!service.containerPorts.includes(port)) service.containerPorts.push(port);
      });
  }
  volumesOf(input.volumes, `${at}.volumes`, service, ctx, bad);
  const networks = input.networks ?? [];
  const netNames = Array.isArray(networks) ? networks : isRecord(networks) ? Object.keys(networks) : undefined;
  if (netNames === undefined || (isRecord(networks) && !Object.values(networks).every((o) => o === null || (isRecord(o) && Object.keys(o).length === 0))))
    bad(
      `${at}.networks`,
      `${json(networks)} is not supported by faultline: it puts every service on one network of its own, so networks may only list declared names`,
    );
  else
    netNames.forEach((n, i) => {
      const field = Array.isArray(networks) ? `${at}.networks[${i}]` : `${at}.networks.${n}`;
      if (n !== 'default' && !ctx.networks.includes(n as string))
        bad(field, `${json(n)} is not a declared network; networks are: ${list(['default', ...ctx.networks])}`);
    });
  return service;
}

function environmentOf(value: unknown, at: string, host: ComposeEnv, bad: Bad): Record<string, string> {
  const env: Record<string, string> = {};
  const shape = 'must be a list of "NAME=value" or a mapping NAME: value';
  if (value === undefined || value === null) return env;
  if (Array.isArray(value))
    value.forEach((entry: unknown, i) => {
      const m = typeof entry === 'string' ? /^([^=\s]+)(?:=([\s\S]*))?$/.exec(entry) : null;
      if (m === null) bad(`${at}[${i}]`, `${json(entry)} ${shape}`);
      // "NAME" alone passes the variable through from the host, as compose does
      else if (m[2] !== undefined || host[m[1] as string] !== undefined) env[m[1] as string] = m[2] ?? (host[m[1] as string] as string);
    });
  else if (isRecord(value))
    for (const [key, v] of Object.entries(value)) {
      if (isScalar(v)) env[key] = String(v);
      else if (v === null && host[key] !== undefined) env[key] = host[key] as string;
      else if (v !== null) bad(`${at}.${key}`, `${json(v)} must be a string, a number or a boolean`);
    }
  else bad(at, `${json(value)} ${shape}`);
  return env;
}

function dependsOnOf(value: unknown, at: string, services: readonly string[], bad: Bad): string[] {
  const known = (dep: unknown, field: string): dep is string => {
    if (typeof dep === 'string' && services.includes(dep)) return true;
    bad(field, `${json(dep)} is not a service; services are: ${list(services)}`);
    return false;
  };
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value.filter((dep, i) => known(dep, `${at}[${i}]`));
  if (!isRecord(value)) return bad(at, `${json(value)} must be a list of services, or a mapping service: { condition }`) ?? [];
  for (const [dep, options] of Object.entries(value)) {
    if (!known(dep, `${at}.${dep}`) || options === null) continue;
    if (!isRecord(options)) bad(`${at}.${dep}`, `${json(options)} must be { condition: ${CONDITIONS.join(' | ')} }`);
    else {
      for (const p of unknownFields(options, ['condition', 'restart', 'required'], 'depends_on')) bad(`${at}.${dep}.${p.field}`, p.text);
      if (options.condition !== undefined && !CONDITIONS.includes(options.condition as string))
        bad(
          `${at}.${dep}.condition`,
          `${json(options.condition)} is not supported by faultline (it runs long-lived services, each started once its dependencies are ready); conditions are: ${list(CONDITIONS)}`,
        );
    }
  }
  return Object.keys(value).filter((dep) => services.includes(dep));
}

function healthcheckOf(value: unknown, at: string, bad: Bad): ComposeHealthcheck | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isRecord(value)) return bad(at, `${json(value)} must be { test, interval?, timeout?, retries?, start_period? }`);
  const keys = ['test', 'interval', 'timeout', 'retries', 'start_period', 'start_interval', 'disable'];
  for (const p of unknownFields(value, keys, 'a healthcheck')) bad(`${at}.${p.field}`, p.text);
  const { test } = value;
  if (value.disable === true || (Array.isArray(test) && test[0] === 'NONE')) return undefined;
  let argv: string[] | undefined;
  if (typeof test === 'string' && test !== '') argv = ['sh', '-c', test];
  else if (Array.isArray(test) && test.length > 1 && test.every((t) => typeof t === 'string')) {
    if (test[0] === 'CMD') argv = test.slice(1);
    else if (test[0] === 'CMD-SHELL' && test.length === 2) argv = ['sh', '-c', test[1] as string];
  }
  if (argv === undefined) bad(`${at}.test`, `${json(test)} must be ["CMD", "pg_isready"], ["CMD-SHELL", "pg_isready || exit 1"], a command line, or ["NONE"]`);
  const duration = (key: string, fallbackMs: number): number => {
    const ms = value[key] === undefined ? fallbackMs : composeDuration(value[key]);
    if (ms === undefined) bad(`${at}.${key}`, `${json(value[key])} must be a duration like "1s", "500ms" or "1m30s"`);
    return ms ?? fallbackMs;
  };
  // compose's defaults; start_interval only shortens probes during start_period, so it is not needed
  const health = {
    intervalMs: duration('interval', 30_000),
    timeoutMs: duration('timeout', 30_000),
    startPeriodMs: duration('start_period', 0),
    retries: value.retries ?? 3,
  };
  duration('start_interval', 5_000);
  if (!Number.isInteger(health.retries) || (health.retries as number) < 1) bad(`${at}.retries`, `${json(value.retries)} must be a whole number >= 1`);
  return argv === undefined ? undefined : { test: argv, ...health, retries: health.retries as number };
}

function volumesOf(value: unknown, at: string, service: ComposeService, ctx: Context, bad: Bad): void {
  if (value === undefined || value === null) return;
  if (!Array.isArray(value)) return bad(at, `${json(value)} must be a list, e.g. ["./data:/data:ro"]`);
  value.forEach((entry: unknown, i: number) => {
    const field = `${at}[${i}]`;
    let source: string | undefined,
      target: unknown,
      modes: string[] = [],
      type: unknown;
    if (typeof entry === 'string') {
      const parts = entry.split(':');
      [source, target] = parts.length === 1 ? [undefined, parts[0]] : [parts[0], parts[1]];
      modes = parts.length > 2 ? (parts[2] as string).split(',') : [];
      if (parts.length > 3 || modes.some((m) => !MOUNT_MODES.includes(m)))
        return bad(field, `${json(entry)} must be "./folder:/target", "./folder:/target:ro" or "name:/target"; modes are: ${list(MOUNT_MODES)}`);
      type = source === undefined ? 'volume' : /^[./~]/.test(source) ? 'bind' : 'volume';
    } else if (isRecord(entry)) {
      for (const p of unknownFields(entry, ['type', 'source', 'target', 'read_only', 'consistency'], 'a volume')) bad(`${field}.${p.field}`, p.text);
      ({ type, target } = entry);
      source = typeof entry.source === 'string' ? entry.source : undefined;
      if (entry.read_only === true) modes = ['ro'];
      if (!['bind', 'volume', 'tmpfs'].includes(type as string))
        return bad(`${field}.type`, `${json(type)} is not supported by faultline; types are: bind, volume, tmpfs`);
      if (type === 'bind' && source === undefined) return bad(`${field}.source`, `${json(entry.source)} must be the folder to mount`);
    } else return bad(field, `${json(entry)} must be "./folder:/target" or { type, source, target }`);
    if (typeof target !== 'string' || !target.startsWith('/'))
      return bad(field, `${json(entry)}: the target ${json(target)} must be an absolute path in the container`);
    if (type === 'bind' && source !== undefined)
      service.volumes.push({
        source: source.startsWith('~') ? homedir() + source.slice(1) : resolve(ctx.folder, source),
        target,
        readOnly: modes.includes('ro'),
      });
    else if (type === 'volume' && source !== undefined) {
      if (!ctx.declaredVolumes.includes(source))
        bad(field, `${json(entry)} names the volume "${source}", which the top-level volumes do not declare; volumes are: ${list(ctx.declaredVolumes)}`);
      else if (!service.namedVolumes.includes(source)) service.namedVolumes.push(source);
    }
    // an anonymous volume or a tmpfs is as throwaway as faultline's stack: nothing to do
  });
}

/** Compose's substitution in every string value: $VAR, ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?why}, ${VAR:+alt}; $$ is a $. */
function interpolateTree(value: unknown, env: ComposeEnv, bad: Bad, at = ''): unknown {
  const inner = (key: string | number): string => (typeof key === 'number' ? `${at}[${key}]` : at === '' ? key : `${at}.${key}`);
  if (typeof value === 'string') return interpolate(value, env, (why) => bad(at, `${json(value)} ${why}`));
  if (Array.isArray(value)) return value.map((v, i) => interpolateTree(v, env, bad, inner(i)));
  if (isRecord(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolateTree(v, env, bad, inner(k))]));
  return value;
}

function interpolate(text: string, env: ComposeEnv, fail: (why: string) => undefined): string {
  return text.replace(/\$(?:\$|([A-Za-z_][A-Za-z0-9_]*)|\{((?:[^{}]|\{[^{}]*\})*)\})/g, (token: string, bare?: string, body?: string) => {
    if (token === '$$') return '$';
    if (bare !== undefined) return env[bare] ?? '';
    const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?+])([\s\S]*))?$/.exec(body ?? '');
    if (m === null) return fail(`has \${${body}}, which is not a substitution: write \${NAME} or \${NAME:-default}`) ?? '';
    const [, name, colon, op, rest = ''] = m as unknown as [string, string, string | undefined, string | undefined, string | undefined];
    const value = env[name];
    const set = value !== undefined && (colon !== ':' || value !== '');
    if (op === '-') return set ? (value as string) : interpolate(rest, env, fail);
    if (op === '+') return set ? interpolate(rest, env, fail) : '';
    if (op === '?' && !set) fail(`needs the variable ${name}${rest === '' ? '' : `: ${rest}`}`);
    return value ?? '';
  });
}

/** Words of a command line as a POSIX shell splits them (quotes and backslashes; no expansion); undefined when a quote is left open. */
function shellWords(text: string): string[] | undefined {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    const escaped = c === '\\' && i + 1 < text.length && (quote === undefined || (quote === '"' && '"\\$`'.includes(text[i + 1] as string)));
    if (escaped) word += text[++i];
    else if (c === quote) quote = undefined;
    else if (quote !== undefined) word += c;
    else if (c === "'" || c === '"') quote = c;
    else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      [word, inWord] = ['', false];
      continue;
    } else word += c;
    inWord = true;
  }
  if (quote !== undefined) return undefined;
  if (inWord) words.push(word);
  return words;
}

/** A compose duration ("1m30s", "500ms", "1.5s", "1h") in milliseconds; undefined when it is not one. */
function composeDuration(value: unknown): number | undefined {
  if (typeof value !== 'string' || !/^(?:\d+(?:\.\d+)?(?:h|ms|us|m|s))+$/.test(value)) return undefined;
  const unitMs: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001 };
  let total = 0;
  for (const m of value.matchAll(/(\d+(?:\.\d+)?)(h|ms|us|m|s)/g)) total += Number(m[1]) * (unitMs[m[2] as string] as number);
  return Math.round(total);
}

/** The container port of a ports or expose entry ("8080", "127.0.0.1:8080:80", "80/tcp", 80, { target }), or why it is refused. */
function containerPort(entry: unknown, expose: boolean): number | string {
  const shape = expose
    ? 'must be a container port, e.g. "3000" or 3000'
    : 'must be "80", "8080:80", "127.0.0.1:8080:80", "80/tcp" or { target: 80, published: 8080 }';
  let target: unknown = entry;
  let protocol: unknown = 'tcp';
  if (isRecord(entry) && !expose) {
    const extra = Object.keys(entry).filter((k) => !['target', 'published', 'host_ip', 'protocol', 'mode', 'name', 'app_protocol'].includes(k));
    if (extra.length > 0) return `${shape}; ${extra.join(', ')} is not a field of a port`;
    ({ target, protocol = 'tcp' } = entry);
  } else if (typeof entry === 'string') {
    const m = /^(?:(?:\[[0-9a-fA-F:.]*\]|[\d.]+):)??(?:\d*:)?(\d+)(?:\/(\w+))?$/.exec(entry);
    if (m === null) return entry.includes('-') ? 'is a port range; faultline proxies single ports' : shape;
    [target, protocol] = [Number(m[1]), m[2] ?? 'tcp'];
  }
  if (protocol !== 'tcp') return `is a ${String(protocol)} port; faultline proxies TCP only`;
  return Number.isInteger(target) && (target as number) >= 1 && (target as number) <= 65535 ? (target as number) : `${shape}, with a port in 1..65535`;
}
