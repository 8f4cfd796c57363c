import { describe, expect, it } from 'vitest';
import { renderK6Script, vuBudget } from '../../harness/load/script.ts';
import { validateSystem } from '../../harness/system/validate.ts';
import { shop } from '../helpers/systems.ts';

interface Sent {
  method: string;
  url: string;
  body: string | null;
  headers: Record<string, string>;
  tags: Record<string, string>;
}
interface Answer {
  status: number;
  headers?: Record<string, string>;
}
type Endpoint = { name: string };
interface Traffic {
  source: string;
  endpoints: Endpoint[];
}
/** What a generated script holds, evaluated with k6's modules stood in for. */
interface Evaluated {
  TRAFFIC: Record<string, Traffic>;
  request(endpoint: Endpoint, tenant: string, priority: string, data: { created: Record<string, string[]> }): { key: string };
  send(traffic: Traffic, data: { created: Record<string, string[]> }): void;
  draw(spec: unknown[], data: { created: Record<string, string[]> }): unknown;
  fillPath(path: string, values: Record<string, unknown>): string;
  fillBody(value: unknown, values: Record<string, unknown>): unknown;
  sent: Sent[];
  /** points added to fl_req and fl_ack, with their tags */
  points: { metric: string; tags: Record<string, string> }[];
}

/**
 * Runs a generated k6 script's module body in this process: its imports replaced by stand-ins
 * that record each request and answer it with `answer`, Math.random drawing from `randoms` (then 0.5).
 */
function evaluate(script: string, answer: Answer = { status: 200 }, randoms: number[] = []): Evaluated {
  const sent: Sent[] = [];
  const points: Evaluated['points'] = [];
  const http = {
    request: (method: string, url: string, body: string | null, params: { headers: Record<string, string>; tags: Record<string, string> }) => {
      sent.push({ method, url, body, headers: { ...params.headers }, tags: params.tags });
      return { status: answer.status, headers: answer.headers ?? {}, timings: { blocked: 0, connecting: 0, duration: 5 } };
    },
    expectedStatuses: () => null,
  };
  const metric = (name: string) =>
    class {
      add(_value: number, tags: Record<string, string> = {}): void {
        if (name !== 'fl_started') points.push({ metric: name, tags });
      }
    };
  const random = Object.create(Math) as Math;
  random.random = () => randoms.shift() ?? 0.5;
  const body = script.replace(/^import .*$/gm, '').replace(/^export (function|const) /gm, '$1 ');
  const make = new Function(
    'http',
    'randomSeed',
    'Trend',
    'Counter',
    '__ENV',
    '__VU',
    '__ITER',
    'Math',
    `${body}\nreturn { TRAFFIC, request, send, draw, fillPath, fillBody };`,
  );
  const names = ['fl_req', 'fl_started', 'fl_ack'];
  const Trend = metric('fl_req');
  const Counter = function (this: unknown, name: string) {
    return new (metric(names.includes(name) ? name : 'other'))();
  };
  const module = make(http, () => undefined, Trend, Counter, { FL_BASE_URL: 'http://sut' }, 1, 0, random) as Omit<Evaluated, 'sent' | 'points'>;
  return { ...module, sent, points };
}

const endpointOf = (traffic: Traffic | undefined, name: string): Endpoint => {
  const e = traffic?.endpoints.find((x) => x.name === name);
  if (e === undefined) throw new Error(`${name} is not in the traffic`);
  return e;
};

describe('renderK6Script', () => {
  const script = renderK6Script({
    system: shop,
    load: { rate: 50, duration: '20s', mix: { 'GET /products/:id': 3, 'GET /search': 1 }, params: { id: { int: [1, 40] } } },
    durationMs: 20_000,
    seed: 7,
  });

  it('uses an open-model constant-arrival-rate executor at the offered rate', () => {
    expect(script).toContain("executor: 'constant-arrival-rate'");
    expect(script).toContain('rate: 50,');
    expect(script).toContain("duration: '20000ms'");
  });

  it('normalises the endpoint mix into cumulative shares and seeds the random source', () => {
    expect(script).toContain('"upTo":0.75');
    expect(script).toContain('"upTo":1');
    expect(script).toContain('randomSeed(7 + __VU)');
  });

  it("draws an endpoint's parameters as the scenario's load.params says, else as the system declares", () => {
    expect(script).toContain('"path":"/products/{id}","body":null,"headers":{},"key":null,"creates":null,"params":{"id":["int",1,40]}');
    expect(script).toContain('"params":{"word":["oneOf",["lamp","chair","desk","mug","pen","shelf"]]}');
    const k6 = evaluate(script, { status: 200 }, [0, 0.999]);
    const product = endpointOf(k6.TRAFFIC.load, 'GET /products/:id');
    k6.request(product, 'acme', 'normal', { created: {} });
    k6.request(product, 'acme', 'normal', { created: {} });
    expect(k6.sent.map((s) => s.url)).toEqual(['http://sut/products/1', 'http://sut/products/40']);
  });

  it('sends the tenant and priority headers the system declares', () => {
    const k6 = evaluate(script);
    k6.request(endpointOf(k6.TRAFFIC.load, 'GET /search'), 'globex', 'background', { created: {} });
    expect(k6.sent[0]).toMatchObject({
      method: 'GET',
      url: 'http://sut/search?q=mug',
      body: null,
      headers: { 'x-tenant': 'globex', 'x-priority': 'background' },
    });
  });

  it('refuses an endpoint it cannot turn into a request', () => {
    expect(() => renderK6Script({ system: shop, load: { rate: 1, duration: '1s', mix: { 'GET /nope': 1 } }, durationMs: 1000, seed: 1 })).toThrow(/GET \/nope/);
  });

  it('gives enough VUs to keep the rate when answers take up to the timeout', () => {
    expect(vuBudget(100)).toEqual({ preAllocatedVUs: 100, maxVUs: 240 });
  });
});

describe("renderK6Script for the shop's orders", () => {
  const script = renderK6Script({
    system: shop,
    load: { rate: 10, duration: '10s', mix: { 'POST /orders': 1, 'GET /orders/:id': 1 } },
    durationMs: 10_000,
    seed: 5,
  });

  it('posts a JSON body whose ids stay numbers, with an idempotency key unique to the request', () => {
    const k6 = evaluate(script, { status: 201, headers: { Location: '/orders/77' } }, [0.419, 0.5]);
    const { key } = k6.request(endpointOf(k6.TRAFFIC.load, 'POST /orders'), 'acme', 'normal', { created: {} });
    expect(key).toMatch(/^k6-5-[0-9a-z]+-1-0-[0-9a-z]+$/);
    expect(k6.sent[0]).toMatchObject({
      method: 'POST',
      url: 'http://sut/orders',
      headers: { 'idempotency-key': key, 'content-type': 'application/json', 'x-tenant': 'acme' },
    });
    expect(JSON.parse(k6.sent[0]?.body ?? '')).toEqual({ productId: 42, quantity: 2 });
  });

  it('acknowledges each 2xx of POST /orders with its endpoint, key and the id from Location, and reads orders it created', () => {
    const k6 = evaluate(script, { status: 201, headers: { Location: '/orders/77' } }, [0.1]);
    k6.send(k6.TRAFFIC.load as Traffic, { created: { 'POST /orders': ['5'] } });
    const ack = k6.points.find((p) => p.metric === 'fl_ack');
    expect(ack?.tags).toEqual({ endpoint: 'POST /orders', key: expect.stringMatching(/^k6-5-/), order: '77' });
    expect(ack?.tags.key).toBe(k6.sent[0]?.headers['idempotency-key']);
    // a later read of an order draws among the ids created, this VU's own among them
    k6.request(endpointOf(k6.TRAFFIC.load, 'GET /orders/:id'), 'acme', 'normal', { created: { 'POST /orders': ['5'] } });
    expect(k6.sent[1]?.url).toMatch(/^http:\/\/sut\/orders\/(5|77)$/);
    expect(script).toContain('const SETUP = {"POST /orders":20};');
  });
});

describe('renderK6Script for a system that is not the shop', () => {
  // two endpoints, a POST whose body keeps a number, no tenants, no priorities, a degraded status
  const notes = validateSystem(
    {
      name: 'notes',
      parts: { api: { kind: 'service', command: ['python3', 'app.py'], port: 8000, readiness: { http: '/health' } } },
      edges: [],
      entry: 'api',
      endpoints: {
        'GET /notes/:id': { path: '/notes/{id}', params: { id: { int: [1, 9] } } },
        'POST /notes': {
          path: '/notes',
          params: { id: { int: [100, 199] }, word: { oneOf: ['a b', 'c'] } },
          body: { ref: '{id}', text: 'note {id}: {word}', tags: ['{word}'] },
          headers: { 'x-client': 'faultline' },
          idempotencyKey: 'idem',
          creates: { locationPrefix: '/notes/' },
        },
      },
      degraded: { statuses: [203] },
    },
    '/work/examples/notes/system.ts',
  );
  const script = renderK6Script({
    system: notes,
    load: { rate: 5, duration: '10s', mix: { 'GET /notes/:id': 1, 'POST /notes': 1 } },
    durationMs: 10_000,
    seed: 9,
  });

  it('sends each endpoint with its method, filled path, body and headers, and no tenant or priority header', () => {
    const k6 = evaluate(script, { status: 201, headers: { Location: '/notes/n-4' } }, [0.5, 0.001, 0]);
    const post = endpointOf(k6.TRAFFIC.load, 'POST /notes');
    const load = k6.TRAFFIC.load as unknown as { tenants: [string, number][]; priorities: unknown[] };
    expect(load.tenants).toEqual([['-', 1]]);
    expect(load.priorities).toEqual([]);
    const { key } = k6.request(post, '-', '', { created: {} });
    k6.request(endpointOf(k6.TRAFFIC.load, 'GET /notes/:id'), '-', '', { created: {} });
    expect(k6.sent[0]).toEqual({
      method: 'POST',
      url: 'http://sut/notes',
      body: expect.any(String),
      headers: { 'x-client': 'faultline', idem: key, 'content-type': 'application/json' },
      tags: { endpoint: 'POST /notes', tenant: '-' },
    });
    expect(JSON.parse(k6.sent[0]?.body ?? '')).toEqual({ ref: 150, text: 'note 150: a b', tags: ['a b'] });
    expect(k6.sent[1]).toEqual({ method: 'GET', url: 'http://sut/notes/5', body: null, headers: {}, tags: { endpoint: 'GET /notes/:id', tenant: '-' } });
  });

  it('fills a path and a body from the drawn values: a lone {param} keeps its type, others are spliced in and a path is encoded', () => {
    const { fillPath, fillBody, draw } = evaluate(script, undefined, [0, 0.999, 0.7]);
    expect(fillPath('/notes/{id}?q={word}', { id: 3, word: 'a b/c' })).toBe('/notes/3?q=a%20b%2Fc');
    expect(fillBody({ ref: '{id}', text: 'n{id}', nested: { on: true, n: '{id}' }, list: ['{id}', 2] }, { id: 7 })).toEqual({
      ref: 7,
      text: 'n7',
      nested: { on: true, n: 7 },
      list: [7, 2],
    });
    expect([draw(['int', 1, 9], { created: {} }), draw(['int', 1, 9], { created: {} })]).toEqual([1, 9]);
    expect(draw(['oneOf', ['a', 'b']], { created: {} })).toBe('b');
    expect(draw(['fixed', 'poison'], { created: {} })).toBe('poison');
  });

  it('records a degraded status as degraded, and acknowledges what POST /notes created', () => {
    const k6 = evaluate(script, { status: 203, headers: { Location: '/notes/n-4' } }, [0.9]);
    k6.send(k6.TRAFFIC.load as Traffic, { created: {} });
    expect(k6.sent[0]?.method).toBe('POST');
    expect(k6.points).toEqual([
      { metric: 'fl_ack', tags: { endpoint: 'POST /notes', key: k6.sent[0]?.headers.idem, order: 'n-4' } },
      {
        metric: 'fl_req',
        tags: expect.objectContaining({
          endpoint: 'POST /notes',
          tenant: '-',
          outcome: 'degraded',
          degraded: 'status 203',
          status: '203',
          priority: '',
          source: 'load',
        }),
      },
    ]);
    expect(script).toContain('const TENANT_HEADER = null;');
    expect(script).toContain('const PRIORITY_HEADER = null;');
  });
});

describe('renderK6Script with load-shaped faults', () => {
  const script = renderK6Script({
    system: shop,
    load: { rate: 40, duration: '30s', mix: { 'GET /products/:id': 1 }, priorities: { critical: 1, background: 1 } },
    durationMs: 30_000,
    seed: 3,
    faultTraffic: [
      {
        id: 'faultline-0-poisonPill',
        atMs: 8000,
        forMs: 12_000,
        traffic: { ratePerSecond: 2, tenants: { initech: 1 }, mix: { 'GET /search': 1 }, params: { word: 'poison:hang:initech' } },
      },
    ],
  });

  it('runs the fault traffic as its own constant-arrival-rate scenario from at for its duration', () => {
    expect(script).toContain("fault_0: {\n      executor: 'constant-arrival-rate',\n      exec: 'fault_0',\n      rate: 2,");
    expect(script).toContain("startTime: '8000ms',\n      duration: '12000ms',");
    expect(script).toContain('export function fault_0(data) {\n  send(TRAFFIC.fault_0, data);');
  });

  it('ramps a fault traffic given rampMs: from 0 to its rate over the ramp, then holds to the end of its window', () => {
    const ramped = renderK6Script({
      system: shop,
      load: { rate: 40, duration: '30s', mix: { 'GET /products/:id': 1 } },
      durationMs: 30_000,
      seed: 3,
      faultTraffic: [{ id: 'faultline-0-loadSpike', atMs: 8000, forMs: 12_000, rampMs: 3000, traffic: { ratePerSecond: 200 } }],
    });
    expect(ramped).toContain("executor: 'ramping-arrival-rate',\n      exec: 'fault_0',\n      startRate: 0,");
    expect(ramped).toContain("startTime: '8000ms',\n      stages: [{ target: 200, duration: '3000ms' }, { target: 200, duration: '9000ms' }],");
  });

  it('tags each sample with its source, priority and Retry-After, and sends the fixed payload', () => {
    expect(script).toContain('source: "faultline-0-poisonPill"');
    expect(script).toContain('"params":{"word":["fixed","poison:hang:initech"]}');
    expect(script).toContain('tenants: [["initech",1]]');
    expect(script).toContain('priorities: [["critical",0.5],["background",1]]');
    expect(script).toContain("retry: res.headers['Retry-After'] ? '1' : ''");
    const k6 = evaluate(script, { status: 504, headers: { 'Retry-After': '1' } }, [0, 0, 0.9]);
    k6.send(k6.TRAFFIC.fault_0 as Traffic, { created: {} });
    expect(k6.sent[0]).toMatchObject({
      method: 'GET',
      url: 'http://sut/search?q=poison%3Ahang%3Ainitech',
      headers: { 'x-tenant': 'initech', 'x-priority': 'background' },
    });
    expect(k6.points[0]?.tags).toMatchObject({ source: 'faultline-0-poisonPill', tenant: 'initech', priority: 'background', outcome: 'error', retry: '1' });
  });
});
