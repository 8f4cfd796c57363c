import { describe, expect, it } from 'vitest';
import type { ComposeSystem } from '../../harness/system/compose.ts';
import { edgesNamed, expandTemplate } from '../../harness/system/template.ts';
import { SystemError, validateSystem } from '../../harness/system/validate.ts';

const FILE = 'examples/notes/system.ts';
const SERVICE_FIELDS = 'kind, command, image, build, port, env, readiness, replicas, probePath, behaviourSwitch, metrics';
const READINESS =
  "must say how to tell it is ready: { http: '/health' } (200 answers), { tcp: true } (a connect is accepted) or { command: ['pg_isready'] } (exits 0)";
const VARIABLES = 'variables are: edge "a->b", port, host, replica, node, root, disabled';

const valid = () => ({
  name: 'notes',
  parts: {
    db: { kind: 'postgres' },
    api: {
      kind: 'service',
      command: ['node', 'api.js'],
      port: 8080,
      env: { DATABASE_URL: 'postgres://faultline@{{edge "api->db"}}/faultline', PORT: '{{port}}' },
      readiness: { http: '/health' },
    },
  },
  edges: ['api->db'],
  entry: 'api',
  endpoints: {
    'GET /notes/:id': { path: '/notes/{id}', params: { id: { int: [1, 100] } } },
    'POST /notes': { path: '/notes', body: { text: 'hello' }, creates: { locationPrefix: '/notes/' } },
  },
});

const service = (extra: Record<string, unknown> = {}) => ({ kind: 'service', command: ['node', 'x.js'], port: 9000, readiness: { tcp: true }, ...extra });

/** The problems validateSystem reports for the valid system changed by `mutate`; it must throw SystemError. */
function problems(mutate: (s: any) => void, compose?: ComposeSystem): string[] {
  const s: any = structuredClone(valid());
  mutate(s);
  let thrown: unknown;
  try {
    validateSystem(s, '/work/examples/notes/system.ts', FILE, compose);
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(SystemError);
  return (thrown as SystemError).problems;
}

describe('validateSystem', () => {
  it('resolves a minimal two-part system', () => {
    const system = validateSystem(valid(), '/work/examples/notes/system.ts', FILE);
    expect(system.root).toBe('/work/examples/notes');
    expect(system.instances.map((i) => i.name)).toEqual(['db', 'api']);
    expect(system.edges).toEqual([{ name: 'api->db', from: 'api', to: 'db', proxy: 'api_to_db', instance: 'db', protocol: 'postgres', port: 5432 }]);
    expect(system.endpoints['GET /notes/:id']?.method).toBe('GET');
    expect(system.endpoints['POST /notes']?.method).toBe('POST');
    expect(system.degraded).toEqual({ statuses: [] });
  });

  it('gives a replicated callee one edge and one proxy per replica', () => {
    const system = validateSystem(
      {
        ...valid(),
        parts: {
          a: service({ env: { UP: '{{edge "a->b" prefix="http://"}}', ONE: '{{edge "a->b-2"}}' } }),
          b: service({ replicas: 2, readiness: { http: '/ready' } }),
        },
        edges: ['a->b'],
        entry: 'a',
      },
      '/work/x/system.ts',
    );
    expect(system.instances.map((i) => i.name)).toEqual(['a', 'b-1', 'b-2']);
    expect(system.edges.map((e) => [e.name, e.proxy, e.instance, e.protocol, e.probePath])).toEqual([
      ['a->b-1', 'a_to_b_1', 'b-1', 'http', '/ready'],
      ['a->b-2', 'a_to_b_2', 'b-2', 'http', '/ready'],
    ]);
    // a template naming the part-level edge reaches every replica; naming one replica reaches it alone
    const edge = (name: string) => edgesNamed(system.edges, name).map((e) => `${e.instance}:${e.port}`);
    const variables = { port: '9000', host: '127.0.0.1', replica: '1', node: 'node', root: '/work/x', disabled: '' };
    expect(expandTemplate('{{edge "a->b" prefix="http://"}}', { edge, variables })).toBe('http://b-1:9000,http://b-2:9000');
    expect(edgesNamed(system.edges, 'a->b-2').map((e) => e.proxy)).toEqual(['a_to_b_2']);
  });

  it('accepts parts that are services of the compose file it names, without a command', () => {
    const compose = { file: '/work/examples/notes/docker-compose.yml', services: { db: {}, api: {} } } as unknown as ComposeSystem;
    const s: any = valid();
    delete s.parts.api.command;
    expect(validateSystem(s, '/work/examples/notes/system.ts', FILE, compose).compose).toBe(compose);
  });

  it('reports every problem at once', () => {
    const found = problems((s) => ((s.parts.api.port = 0), (s.edges = ['api->dbb']), (s.entry = 'db')));
    expect(found).toHaveLength(3);
  });

  const twoServices = (s: any) => (s.parts.web = service());
  it.each([
    [
      'a service without a port',
      (s: any) => delete s.parts.api.port,
      'parts.api.port undefined must be the TCP port it listens on, a whole number in 1..65535',
    ],
    ['port 0', (s: any) => (s.parts.api.port = 0), 'parts.api.port 0 must be the TCP port it listens on, a whole number in 1..65535'],
    ['port 70000', (s: any) => (s.parts.api.port = 70000), 'parts.api.port 70000 must be the TCP port it listens on, a whole number in 1..65535'],
    [
      'a port written as a string',
      (s: any) => (s.parts.api.port = '8080'),
      'parts.api.port "8080" must be the TCP port it listens on, a whole number in 1..65535',
    ],
    ['an unknown part kind', (s: any) => (s.parts.db.kind = 'mysql'), 'parts.db.kind "mysql" is not a part kind; kinds are: service, postgres, redis'],
    [
      'a misspelt part field',
      (s: any) => (s.parts.api.readyness = { tcp: true }),
      `parts.api.readyness is not a field of a service part (did you mean readiness?); fields are: ${SERVICE_FIELDS}`,
    ],
    ['a field a postgres part does not have', (s: any) => (s.parts.db.port = 5433), 'parts.db.port is not a field of a postgres part; fields are: kind'],
    [
      'a part name that is not lower-case',
      (s: any) => (s.parts.API = service()),
      `parts.API: "API" is not a part name: lower-case words joined by '-', starting with a letter`,
    ],
    [
      'a service with nothing to run',
      (s: any) => delete s.parts.api.command,
      'parts.api says neither how to run it (command, for the local runtime) nor what to run (image or build, for docker)',
    ],
    ['an edge to nothing', (s: any) => (s.edges = ['api->dbb']), 'edges[0] "api->dbb": "dbb" is not a part; parts are: db, api'],
    ['an edge from nothing', (s: any) => s.edges.push('web->db'), 'edges[1] "web->db": "web" is not a part; parts are: db, api'],
    [
      'an edge that is not caller->callee',
      (s: any) => (s.edges = ['api => db']),
      'edges[0] "api => db" is not an edge: write "caller->callee", e.g. "api->db"',
    ],
    [
      'an edge from a postgres part',
      (s: any) => s.edges.push('db->api'),
      'edges[1] "db->api": db is a postgres, and only a service part calls others; services are: api',
    ],
    ['a duplicate edge', (s: any) => s.edges.push('api->db'), 'edges[1] "api->db" is listed twice'],
    [
      'a cycle of edges',
      (s: any) => (twoServices(s), s.edges.push('api->web', 'web->api')),
      'edges form a cycle (api -> web -> api): each service must be able to start after the services it calls',
    ],
    [
      'a part named like a replica of another',
      (s: any) => (s.parts.web = service({ replicas: 2 })) && (s.parts['web-2'] = service()),
      'parts.web-2 is also the name of replica 2 of the part web (replicas: 2); rename one of them',
    ],
    [
      'a replica named like a part declared before it',
      (s: any) => (s.parts['web-2'] = service()) && (s.parts.web = service({ replicas: 3 })),
      'parts.web-2 is also the name of replica 2 of the part web (replicas: 3); rename one of them',
    ],
    ['replicas 0', (s: any) => (s.parts.api.replicas = 0), 'parts.api.replicas 0 must be a whole number in 1..16'],
    ['replicas 17', (s: any) => (s.parts.api.replicas = 17), 'parts.api.replicas 17 must be a whole number in 1..16'],
    ['an entry that is not a service', (s: any) => (s.entry = 'db'), 'entry "db" is not a service part; the load is sent to one of: api'],
    [
      'a replicated entry',
      (s: any) => (s.parts.api.replicas = 2),
      'entry "api" runs 2 replicas; the load is sent to one address: put one part in front of them',
    ],
    ['no endpoints', (s: any) => (s.endpoints = {}), 'endpoints must name at least one endpoint the load drives: { "GET /items/:id": { path: "/items/{id}"'],
    [
      'an endpoint name without a method',
      (s: any) => (s.endpoints['/notes'] = { path: '/notes' }),
      'endpoints["/notes"]: "/notes" is not an endpoint name: write "METHOD /path", e.g. "GET /items/:id"; methods are: GET, POST, PUT, PATCH, DELETE',
    ],
    [
      'a path without a leading slash',
      (s: any) => (s.endpoints['GET /notes/:id'].path = 'notes/{id}'),
      `endpoints["GET /notes/:id"].path "notes/{id}" must be a path starting with '/', with {param} placeholders, e.g. '/items/{id}'`,
    ],
    [
      'a placeholder without a param',
      (s: any) => (s.endpoints['GET /notes/:id'].path = '/notes/{noteId}'),
      'endpoints["GET /notes/:id"] uses {noteId}, but params has no noteId; params are: id',
    ],
    [
      'an int range with min > max',
      (s: any) => (s.endpoints['GET /notes/:id'].params.id = { int: [100, 1] }),
      'endpoints["GET /notes/:id"].params.id {"int":[100,1]}: int must be [min, max], whole numbers with min <= max',
    ],
    [
      'an int range of fractions',
      (s: any) => (s.endpoints['GET /notes/:id'].params.id = { int: [0.5, 2] }),
      'endpoints["GET /notes/:id"].params.id {"int":[0.5,2]}: int must be [min, max], whole numbers with min <= max',
    ],
    [
      'a created param from an endpoint that creates nothing',
      (s: any) => (delete s.endpoints['POST /notes'].creates, (s.endpoints['GET /notes/:id'].params.id = { created: 'POST /notes' })),
      'endpoints["GET /notes/:id"].params.id {"created":"POST /notes"}: POST /notes creates nothing (give it creates: { locationPrefix })',
    ],
    ['missing readiness', (s: any) => delete s.parts.api.readiness, `parts.api.readiness undefined ${READINESS}`],
    [
      'readiness of two kinds',
      (s: any) => (s.parts.api.readiness = { http: '/health', tcp: true }),
      `parts.api.readiness {"http":"/health","tcp":true} ${READINESS}`,
    ],
    [
      'an env template naming an undeclared edge',
      (s: any) => (s.parts.api.env.CACHE = '{{edge "api->cache"}}'),
      'parts.api.env.CACHE "{{edge \\"api->cache\\"}}" names the edge "api->cache", which is not declared; edges are: api->db',
    ],
    [
      "an env template naming another part's edge",
      (s: any) => (twoServices(s), s.edges.push('web->api'), (s.parts.api.env.WEB = '{{edge "web->api"}}')),
      `parts.api.env.WEB "{{edge \\"web->api\\"}}" names the edge "web->api", which is not api's own: a part dials only its own edges`,
    ],
    [
      'an unknown template variable',
      (s: any) => (s.parts.api.env.HOST = '{{hostname}}'),
      `parts.api.env.HOST "{{hostname}}": {{hostname}} is not a template variable; ${VARIABLES}`,
    ],
    [
      'tenants with a duplicate name',
      (s: any) => (s.tenants = { header: 'x-tenant', names: ['acme', 'globex', 'acme'] }),
      'tenants.names ["acme","globex","acme"] names "acme" twice; each name must be different',
    ],
    [
      'a default priority that is not a priority',
      (s: any) => (s.priorities = { header: 'x-priority', names: ['critical', 'normal'], default: 'low' }),
      'priorities.default "low" is not one of the priorities: critical, normal',
    ],
    [
      'a pattern with no way to switch it off',
      (s: any) => (s.switches = { patterns: { retry: 'retries reads' } }),
      'switches.patterns.retry has no way to be switched off: give switches.env (one variable listing the switched-off patterns) or env for this pattern',
    ],
    [
      'a pattern object with no env and no switches.env',
      (s: any) => (s.switches = { patterns: { breaker: { description: 'a breaker' } } }),
      'switches.patterns.breaker has no way to be switched off',
    ],
    [
      'a metrics series with an invalid name',
      (s: any) => (s.metrics = { series: { calls: 'calls-total' } }),
      `metrics.series.calls "calls-total" is not a Prometheus metric name (letters, digits, '_' and ':', not starting with a digit)`,
    ],
    [
      'a check on an unknown endpoint',
      (s: any) => (s.checks = [{ name: 'kept', when: { endpoint: 'POST /note' }, run: async () => ({ ok: true }) }]),
      'checks[0].when.endpoint "POST /note" is not an endpoint; endpoints are: GET /notes/:id, POST /notes',
    ],
    ['a misspelt system field', (s: any) => (s.endpionts = {}), 'endpionts is not a field of a system (did you mean endpoints?)'],
    ['a BigInt port', (s: any) => (s.parts.api.port = 8080n), 'parts.api.port 8080n must be the TCP port it listens on, a whole number in 1..65535'],
  ])('rejects %s, naming file, field and what is allowed', (_what, mutate, expected) => {
    expect(problems(mutate).join('\n')).toContain(`${FILE}: ${expected}`);
  });

  it('rejects a part that is not a service of the compose file', () => {
    const compose = { file: '/work/examples/notes/docker-compose.yml', services: { postgres: {}, api: {} } } as unknown as ComposeSystem;
    expect(problems(() => undefined, compose)).toEqual([
      `${FILE}: parts.db is not a service of the compose file /work/examples/notes/docker-compose.yml; its services are: postgres, api`,
    ]);
  });

  it('rejects a default export that is not a declaration', () => {
    expect(() => validateSystem(() => 1, '/x/system.ts', 'x/system.ts')).toThrow('x/system.ts: the default export is not a system declaration');
  });
});
