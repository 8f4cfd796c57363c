// The Toxiproxy HTTP API (https://github.com/Shopify/toxiproxy#http-api), as plain typed
// functions over the harness's keep-alive HTTP client (loopback-http.ts): proxies (create, read,
// update, enable/disable, delete), toxics (add, update, list, remove), reset, version and the
// Prometheus /metrics text. The runtime creates the proxies with these; faults add and remove
// toxics with them. Every call is refused unless the server is on loopback (harness/safety.ts).

import { type HttpAnswer, HttpCallError, httpText } from '../loopback-http.ts';

export type ToxicStream = 'upstream' | 'downstream';

/** Attributes of each toxic type the server knows (packet_loss and byte_counter are faultline's, tools/toxiproxy). */
export interface ToxicAttributes {
  latency: { latency: number; jitter?: number };
  bandwidth: { rate: number };
  slow_close: { delay: number };
  timeout: { timeout: number };
  reset_peer: { timeout?: number };
  slicer: { average_size: number; size_variation?: number; delay?: number };
  limit_data: { bytes: number };
  packet_loss: { loss_rate: number; correlation?: number };
  /** faultline's: changes nothing, counts the bytes that pass (tools/toxiproxy/toxics/byte_counter.go) */
  byte_counter: { tag: string };
}
export type ToxicType = keyof ToxicAttributes;
export const TOXIC_TYPES = [
  'latency',
  'bandwidth',
  'slow_close',
  'timeout',
  'reset_peer',
  'slicer',
  'limit_data',
  'packet_loss',
  'byte_counter',
] as const satisfies readonly ToxicType[];

export interface ToxicSpec<T extends ToxicType = ToxicType> {
  /** unique per proxy */
  name: string;
  type: T;
  /** downstream (server -> client, Toxiproxy's default) or upstream (client -> server) */
  stream?: ToxicStream;
  /** probability, 0..1, that a connection gets the toxic (default 1) */
  toxicity?: number;
  attributes: ToxicAttributes[T];
}

/** A toxic as the server reports it. */
export interface Toxic {
  name: string;
  type: string;
  stream: ToxicStream;
  toxicity: number;
  attributes: Record<string, number | string>;
}

export interface ProxyConfig {
  name: string;
  /** host:port to listen on; port 0 lets the server pick one (read it back from `listen`) */
  listen: string;
  upstream: string;
  enabled?: boolean;
}

export interface ProxyState {
  name: string;
  listen: string;
  upstream: string;
  enabled: boolean;
  toxics: Toxic[];
}

export class ToxiproxyError extends Error {
  readonly method: string;
  readonly path: string;
  /** HTTP status, or 0 when the server did not answer */
  readonly status: number;

  constructor(method: string, path: string, status: number, message: string) {
    super(message);
    this.name = 'ToxiproxyError';
    this.method = method;
    this.path = path;
    this.status = status;
  }
}

const REQUEST_TIMEOUT_MS = 5000;

async function request<T>(baseUrl: string, method: string, path: string, body?: unknown): Promise<T> {
  let answer: HttpAnswer;
  try {
    answer = await httpText(baseUrl, path, 'the Toxiproxy API', {
      method,
      ...(body === undefined ? {} : { json: JSON.stringify(body) }),
      timeoutMs: REQUEST_TIMEOUT_MS,
    });
  } catch (error) {
    if (!(error instanceof HttpCallError)) throw error; // the loopback refusal
    throw new ToxiproxyError(method, path, 0, `Toxiproxy at ${baseUrl} did not answer ${method} ${path}: ${error.code}`);
  }
  const { status, text } = answer;
  if (status < 200 || status > 299) {
    let detail = text.trim();
    try {
      detail = (JSON.parse(text) as { error?: string }).error ?? detail;
    } catch {
      // not JSON: keep the text
    }
    throw new ToxiproxyError(method, path, status, `Toxiproxy ${method} ${path} answered ${status}: ${detail}`);
  }
  return (text === '' ? undefined : JSON.parse(text)) as T;
}

const proxyPath = (proxy: string): string => `/proxies/${encodeURIComponent(proxy)}`;
const toxicPath = (proxy: string, toxic: string): string => `${proxyPath(proxy)}/toxics/${encodeURIComponent(toxic)}`;

export function createProxy(baseUrl: string, config: ProxyConfig): Promise<ProxyState> {
  return request(baseUrl, 'POST', '/proxies', { enabled: true, ...config });
}

export function getProxy(baseUrl: string, proxy: string): Promise<ProxyState> {
  return request(baseUrl, 'GET', proxyPath(proxy));
}

export function listProxies(baseUrl: string): Promise<Record<string, ProxyState>> {
  return request(baseUrl, 'GET', '/proxies');
}

/** Changes a proxy; `enabled: false` closes its listener and every connection (a partition). */
export function updateProxy(baseUrl: string, proxy: string, patch: Partial<Omit<ProxyConfig, 'name'>>): Promise<ProxyState> {
  return request(baseUrl, 'POST', proxyPath(proxy), patch);
}

export function setProxyEnabled(baseUrl: string, proxy: string, enabled: boolean): Promise<ProxyState> {
  return updateProxy(baseUrl, proxy, { enabled });
}

export async function deleteProxy(baseUrl: string, proxy: string): Promise<void> {
  await request(baseUrl, 'DELETE', proxyPath(proxy));
}

export function addToxic<T extends ToxicType>(baseUrl: string, proxy: string, toxic: ToxicSpec<T>): Promise<Toxic> {
  return request(baseUrl, 'POST', `${proxyPath(proxy)}/toxics`, toxic);
}

export function updateToxic(baseUrl: string, proxy: string, toxic: string, patch: { attributes?: Record<string, number>; toxicity?: number }): Promise<Toxic> {
  return request(baseUrl, 'POST', toxicPath(proxy, toxic), patch);
}

export async function removeToxic(baseUrl: string, proxy: string, toxic: string): Promise<void> {
  await request(baseUrl, 'DELETE', toxicPath(proxy, toxic));
}

export async function listToxics(baseUrl: string, proxy: string): Promise<Toxic[]> {
  return (await request<Toxic[] | null>(baseUrl, 'GET', `${proxyPath(proxy)}/toxics`)) ?? [];
}

/** Removes every toxic and re-enables every proxy. */
export async function reset(baseUrl: string): Promise<void> {
  await request(baseUrl, 'POST', '/reset');
}

export async function version(baseUrl: string): Promise<string> {
  return (await request<{ version: string }>(baseUrl, 'GET', '/version')).version;
}

/** Prometheus text; per-proxy byte counters need the server started with -proxy-metrics. */
export async function metrics(baseUrl: string): Promise<string> {
  const { status, text } = await httpText(baseUrl, '/metrics', 'the Toxiproxy API', { timeoutMs: REQUEST_TIMEOUT_MS });
  if (status < 200 || status > 299) throw new ToxiproxyError('GET', '/metrics', status, `Toxiproxy GET /metrics answered ${status}`);
  return text;
}

const COUNTER_SERIES = /^faultline_toxic_bytes_total\{([^}]*)\}\s+(\S+)/;

/**
 * Bytes that passed the byte_counter toxic tagged `tag`, from the server's /metrics text (0 when
 * the series does not exist yet: no connection has carried the toxic).
 */
export function counterBytesFrom(text: string, tag: string): number {
  let total = 0;
  for (const line of text.split('\n')) {
    const m = COUNTER_SERIES.exec(line);
    if (m === null || /tag="([^"]*)"/.exec(m[1] as string)?.[1] !== tag) continue;
    const value = Number(m[2]);
    if (Number.isFinite(value)) total += value;
  }
  return total;
}

/**
 * A lease on a toxic, or (no `toxic`) on a proxy's disabled state: faultline's Toxiproxy build
 * (tools/toxiproxy/leases) undoes the fault itself when its holder stops renewing the lease.
 */
export interface LeaseSubject {
  proxy: string;
  toxic?: string;
}

/** A lease that ran out, and what the server did about it. */
export interface LeaseLapse {
  id: string;
  holder: string;
  proxy: string;
  toxic?: string;
  ttl_ms: number;
  lapsed_ms_ago: number;
  /** 'removed the toxic', 'the toxic was already gone', 'enabled the proxy', 'the proxy was enabled already', 'the proxy is gone', 'failed: …' */
  outcome: string;
}

export interface Lease {
  id: string;
  holder: string;
  proxy: string;
  toxic?: string;
  ttl_ms: number;
  expires_in_ms: number;
}

const leasePath = (s: LeaseSubject): string =>
  `/faultline/leases/${encodeURIComponent(s.proxy)}/${s.toxic === undefined ? 'disabled' : `toxics/${encodeURIComponent(s.toxic)}`}`;

/** Grants (or takes over) the lease on `subject`; 404 from a server without leases. */
export function grantLease(baseUrl: string, subject: LeaseSubject, holder: string, ttlMs: number): Promise<Lease> {
  return request(baseUrl, 'PUT', leasePath(subject), { holder, ttl_ms: ttlMs });
}

/** Ends a lease without undoing its fault (the harness undid it). */
export async function releaseLease(baseUrl: string, subject: LeaseSubject): Promise<void> {
  await request(baseUrl, 'DELETE', leasePath(subject));
}

/** Extends every lease of `holder`; `lapsed` lists, once, those that ran out since the last renewal. */
export function renewLeases(baseUrl: string, holder: string): Promise<{ renewed: Lease[]; lapsed: LeaseLapse[] }> {
  return request(baseUrl, 'POST', '/faultline/leases/renew', { holder });
}

export function listLeases(baseUrl: string): Promise<{ leases: Lease[]; lapsed: LeaseLapse[] }> {
  return request(baseUrl, 'GET', '/faultline/leases');
}
