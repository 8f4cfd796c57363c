import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type ComposeService, composeEdges, composePorts, loadCompose, parseCompose } from '../../harness/system/compose.ts';
import { SystemError } from '../../harness/system/validate.ts';

const FILE = '/work/examples/x/docker-compose.yml';
const SHOWN = 'examples/x/docker-compose.yml';
const KEYS = 'image, build, command, environment, depends_on, healthcheck, ports, expose, volumes, networks, restart, labels';

const parse = (text: string, env: Record<string, string> = {}) => parseCompose(text, FILE, SHOWN, env);
/** A file with one service `api` holding `lines` (indented under it), and `db`. */
const api = (lines: string, tail = '') => `services:\n  api:\n    image: api:1\n${lines.replace(/^/gm, '    ')}\n  db:\n    image: postgres:16\n${tail}`;
const service = (text: string, name = 'api'): ComposeService => parse(text).services[name] as ComposeService;

function problems(text: string, env: Record<string, string> = {}): string[] {
  let thrown: unknown;
  try {
    parse(text, env);
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(SystemError);
  return (thrown as SystemError).problems;
}

describe('parseCompose', () => {
  it('reads image and both build forms, with the context made absolute', () => {
    const c = parse('services:\n  a:\n    build: ./a\n  b:\n    build: { context: ../b, dockerfile: Dockerfile.dev }\n  c:\n    image: redis:7\n');
    expect(c.file).toBe(FILE);
    expect(c.services.a?.build).toEqual({ context: '/work/examples/x/a' });
    expect(c.services.b?.build).toEqual({ context: '/work/examples/b', dockerfile: 'Dockerfile.dev' });
    expect(c.services.c).toEqual({ name: 'c', image: 'redis:7', environment: {}, dependsOn: [], containerPorts: [], volumes: [], namedVolumes: [] });
  });

  it('splits a string command as a shell does, and keeps a list command', () => {
    expect(service(api(`command: node "my app.js" --name 'a b' x\\ y ""`)).command).toEqual(['node', 'my app.js', '--name', 'a b', 'x y', '']);
    expect(service(api('command: ["sleep", 10]')).command).toEqual(['sleep', '10']);
  });

  it('reads environment as a list or a map, numbers and booleans as strings, NAME alone from the host', () => {
    const env = { HOME_DIR: '/home/me' };
    expect(parse(api('environment: ["A=1", "B=x=y", "HOME_DIR", "UNSET"]'), env).services.api?.environment).toEqual({ A: '1', B: 'x=y', HOME_DIR: '/home/me' });
    expect(parse(api('environment:\n  PORT: 8080\n  DEBUG: true\n  NAME: api\n  HOME_DIR:\n  UNSET:'), env).services.api?.environment).toEqual({
      PORT: '8080',
      DEBUG: 'true',
      NAME: 'api',
      HOME_DIR: '/home/me',
    });
  });

  it('fills ${VAR}, ${VAR:-default} and $VAR from the env it is given, with $$ for a dollar', () => {
    const env = { TAG: '16', EMPTY: '' };
    const c = parse(
      'services:\n  db:\n    image: postgres:${TAG}\n    environment:\n      A: ${MISSING:-fallback}\n      B: ${EMPTY:-colon}\n      C: ${EMPTY-dash}\n      D: $TAG-$$HOME\n      E: ${MISSING:-${TAG}}\n',
      env,
    );
    expect(c.services.db?.image).toBe('postgres:16');
    expect(c.services.db?.environment).toEqual({ A: 'fallback', B: 'colon', C: '', D: '16-$HOME', E: '16' });
  });

  it('reads depends_on as a list or as a map with conditions', () => {
    expect(service(api('depends_on: [db]')).dependsOn).toEqual(['db']);
    expect(service(api('depends_on:\n  db: { condition: service_healthy, restart: true }')).dependsOn).toEqual(['db']);
  });

  it('reads the healthcheck forms, compose durations and defaults', () => {
    const health = (lines: string) => service(api(`healthcheck:\n${lines.replace(/^/gm, '  ')}`)).healthcheck;
    expect(health('test: ["CMD", "pg_isready", "-U", "x"]\ninterval: 1m30s\ntimeout: 500ms\nstart_period: 1.5s\nretries: 5')).toEqual({
      test: ['pg_isready', '-U', 'x'],
      intervalMs: 90_000,
      timeoutMs: 500,
      startPeriodMs: 1500,
      retries: 5,
    });
    expect(health('test: ["CMD-SHELL", "curl -f http://localhost/ || exit 1"]')).toEqual({
      test: ['sh', '-c', 'curl -f http://localhost/ || exit 1'],
      intervalMs: 30_000,
      timeoutMs: 30_000,
      startPeriodMs: 0,
      retries: 3,
    });
    expect(health('test: redis-cli ping\ninterval: 1s')?.test).toEqual(['sh', '-c', 'redis-cli ping']);
    expect(health('test: ["CMD", "true"]\ndisable: true')).toBeUndefined();
    expect(health('test: ["NONE"]')).toBeUndefined();
  });

  it('reads the container port of every ports and expose form, once each', () => {
    const ports = service(
      api(
        'ports: ["8080", "127.0.0.1:8081:81", "8082:82", "83/tcp", 84, { target: 85, published: 8085 }, "[::1]:8086:86", "8080"]\nexpose: ["3000", 3001, "80"]',
      ),
    );
    expect(ports.containerPorts).toEqual([8080, 81, 82, 83, 84, 85, 86, 3000, 3001, 80]);
  });

  it('makes bind mounts absolute and records named volumes, which it drops', () => {
    const s = service(
      api(
        'volumes:\n  - ./data:/data:ro\n  - /srv/x:/x\n  - ~/cache:/cache:rw,z\n  - pgdata:/var/lib/postgresql/data\n  - /anonymous\n  - { type: bind, source: ./conf, target: /etc/conf, read_only: true }\n  - { type: volume, source: pgdata, target: /y }\n  - { type: tmpfs, target: /tmp }',
        'volumes:\n  pgdata:\n',
      ),
    );
    expect(s.volumes).toEqual([
      { source: '/work/examples/x/data', target: '/data', readOnly: true },
      { source: '/srv/x', target: '/x', readOnly: false },
      { source: join(homedir(), 'cache'), target: '/cache', readOnly: false },
      { source: '/work/examples/x/conf', target: '/etc/conf', readOnly: true },
    ]);
    expect(s.namedVolumes).toEqual(['pgdata']);
  });

  it('ignores version, name, restart, labels and x- extensions, and merges anchors', () => {
    const text =
      'version: "3.9"\nname: shop\nx-common: &common\n  restart: always\n  labels: { team: a }\n  environment: { LOG: debug }\nservices:\n  api:\n    <<: *common\n    image: api:1\nnetworks:\n  default:\n  backend: {}\nvolumes: {}\n';
    expect(parse(text).services.api).toEqual({
      name: 'api',
      image: 'api:1',
      environment: { LOG: 'debug' },
      dependsOn: [],
      containerPorts: [],
      volumes: [],
      namedVolumes: [],
    });
    expect(service(api('networks: [default]'))).toBeDefined();
  });

  it.each([
    [
      'network_mode',
      api('network_mode: host'),
      `services.api.network_mode is not supported by faultline (it puts every service on a network of its own, with Toxiproxy in front of each edge); supported keys are: ${KEYS}`,
    ],
    [
      'container_name',
      api('container_name: my-api'),
      `services.api.container_name is not supported by faultline (it names containers per run, so that runs never collide); supported keys are: ${KEYS}`,
    ],
    [
      'deploy',
      api('deploy: { replicas: 2 }'),
      'services.api.deploy is not supported by faultline (replicas come from the system declaration: parts.<name>.replicas); supported keys are: image',
    ],
    ['privileged', api('privileged: true'), 'services.api.privileged is not supported by faultline (it runs services unprivileged); supported keys are: image'],
    ['links', api('links: [db]'), 'services.api.links is not supported by faultline (services reach each other by name'],
    ['extends', api('extends: { service: base }'), 'services.api.extends is not supported by faultline (it reads one file: write the service out in full)'],
    ['profiles', api('profiles: [debug]'), 'services.api.profiles is not supported by faultline (it starts every service of the file)'],
    ['secrets', api('secrets: [token]'), 'services.api.secrets is not supported by faultline (pass values through environment or a bind-mounted file)'],
    [
      'entrypoint',
      api('entrypoint: /bin/sh'),
      "services.api.entrypoint is not supported by faultline (give the whole argv in command, or set it in the image's Dockerfile)",
    ],
    ['env_file', api('env_file: .env'), 'services.api.env_file is not supported by faultline (write the variables under environment)'],
    ['user', api('user: "1000"'), "services.api.user is not supported by faultline (set it in the image's Dockerfile)"],
    ['a key it does not know', api('stop_grace_period: 5s'), `services.api.stop_grace_period is not supported by faultline; supported keys are: ${KEYS}`],
    [
      'a misspelt key',
      api('enviroment: { A: "1" }'),
      `services.api.enviroment is not a field of a compose service (did you mean environment?); fields are: ${KEYS}`,
    ],
    [
      'a top-level key it does not know',
      `${api('')}secrets:\n  token: { file: ./t }\n`,
      'secrets is not supported by faultline; top-level keys are: services, version, name, networks, volumes',
    ],
    [
      'a network with options',
      `${api('')}networks:\n  backend: { driver: bridge }\n`,
      'networks.backend {"driver":"bridge"} is not supported by faultline: it makes its own networks, so networks may only declare names, e.g. backend: {}',
    ],
    [
      'a service network with aliases',
      api('networks:\n  default: { aliases: [x] }'),
      'services.api.networks {"default":{"aliases":["x"]}} is not supported by faultline',
    ],
    ['a service on an undeclared network', api('networks: [backend]'), 'services.api.networks[0] "backend" is not a declared network; networks are: default'],
    [
      'a service on an undeclared network, as a map',
      `${api('networks:\n  front:')}networks:\n  back:\n`,
      'services.api.networks.front "front" is not a declared network; networks are: default, back',
    ],
    [
      'a service with neither image nor build',
      'services:\n  api:\n    command: node app.js\n',
      'services.api has neither image nor build: give image: "name:tag" or build: "./folder"',
    ],
    [
      'a build with args',
      api('build: { context: ., args: { A: "1" } }'),
      'services.api.build.args is not supported by faultline; build supports: context, dockerfile',
    ],
    [
      'a build from a URL',
      api('build: https://github.com/x/y.git'),
      'services.api.build.context "https://github.com/x/y.git" must be a local folder, relative to the compose file',
    ],
    ['depends_on an unknown service', api('depends_on: [dbb]'), 'services.api.depends_on[0] "dbb" is not a service; services are: api, db'],
    [
      'depends_on an unknown service, as a map',
      api('depends_on:\n  cache: { condition: service_started }'),
      'services.api.depends_on.cache "cache" is not a service; services are: api, db',
    ],
    [
      'a depends_on condition it cannot honour',
      api('depends_on:\n  db: { condition: service_completed_successfully }'),
      'services.api.depends_on.db.condition "service_completed_successfully" is not supported by faultline (it runs long-lived services, each started once its dependencies are ready); conditions are: service_started, service_healthy',
    ],
    [
      'a command with an unclosed quote',
      api(`command: node "app.js`),
      'services.api.command "node \\"app.js" must be a command line ("node app.js --port 80", quotes allowed and closed) or a non-empty list ["node", "app.js"]',
    ],
    [
      'an environment value that is a mapping',
      api('environment:\n  A: { b: 1 }'),
      'services.api.environment.A {"b":1} must be a string, a number or a boolean',
    ],
    [
      'a required variable that is unset',
      api('environment: ["URL=${DB_URL:?set DB_URL to the database}"]'),
      'services.api.environment[0] "URL=${DB_URL:?set DB_URL to the database}" needs the variable DB_URL: set DB_URL to the database',
    ],
    [
      'a malformed substitution',
      api('environment: ["A=${1TAG}"]'),
      'services.api.environment[0] "A=${1TAG}" has ${1TAG}, which is not a substitution: write ${NAME} or ${NAME:-default}',
    ],
    [
      'a healthcheck duration in words',
      api('healthcheck:\n  test: ["CMD", "true"]\n  interval: 5 seconds'),
      'services.api.healthcheck.interval "5 seconds" must be a duration like "1s", "500ms" or "1m30s"',
    ],
    [
      'a healthcheck test of no known form',
      api('healthcheck:\n  test: ["CMDX", "true"]'),
      'services.api.healthcheck.test ["CMDX","true"] must be ["CMD", "pg_isready"], ["CMD-SHELL", "pg_isready || exit 1"], a command line, or ["NONE"]',
    ],
    ['zero healthcheck retries', api('healthcheck:\n  test: ["CMD", "true"]\n  retries: 0'), 'services.api.healthcheck.retries 0 must be a whole number >= 1'],
    [
      'port 70000',
      api('ports: ["8080:70000"]'),
      'services.api.ports[0] "8080:70000" must be "80", "8080:80", "127.0.0.1:8080:80", "80/tcp" or { target: 80, published: 8080 }, with a port in 1..65535',
    ],
    ['a UDP port', api('ports: ["53:53/udp"]'), 'services.api.ports[0] "53:53/udp" is a udp port; faultline proxies TCP only'],
    ['a port range', api('ports: ["8000-8010:8000-8010"]'), 'services.api.ports[0] "8000-8010:8000-8010" is a port range; faultline proxies single ports'],
    ['an expose entry that is not a port', api('expose: ["http"]'), 'services.api.expose[0] "http" must be a container port, e.g. "3000" or 3000'],
    [
      'an undeclared named volume',
      api('volumes: ["pgdata:/data"]'),
      'services.api.volumes[0] "pgdata:/data" names the volume "pgdata", which the top-level volumes do not declare; volumes are: (none)',
    ],
    [
      'a volume with an unknown mode',
      api('volumes: ["./d:/d:readonly"]'),
      'services.api.volumes[0] "./d:/d:readonly" must be "./folder:/target", "./folder:/target:ro" or "name:/target"; modes are: ro, rw, z, Z, cached, delegated, consistent, nocopy',
    ],
    [
      'a volume with a relative target',
      api('volumes: ["./d:data"]'),
      'services.api.volumes[0] "./d:data": the target "data" must be an absolute path in the container',
    ],
    ['no services', 'version: "3"\nservices: {}\n', 'services must name at least one service: { api: { image: "..." } }'],
    ['a service that is not a mapping', 'services:\n  api: postgres\n', 'services.api "postgres" must be a mapping: { image: "...", ... }'],
    ['a file that is not a mapping', '- api\n- db\n', 'is not a compose file: it must be a mapping with services: { name: { image: ... } }'],
    [
      'a YAML syntax error',
      'services:\n  api:\n    image: [postgres\n  db: {}\n',
      'line 4, column 3 is not valid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]',
    ],
    ['a key given twice', 'services:\n  api:\n    image: a\n    image: b\n', 'line 4, column 5 is not valid YAML: Map keys must be unique'],
    ['a tab for indentation', 'services:\n\tapi:\n    image: a\n', 'line 2, column 1 is not valid YAML: Tabs are not allowed as indentation'],
  ])('rejects %s, naming file, field and what is allowed', (_what, text, expected) => {
    expect(problems(text).join('\n')).toContain(`${SHOWN}: ${expected}`);
  });

  it('reports every problem of the file at once', () => {
    const found = problems('services:\n  api:\n    container_name: x\n    depends_on: [dbb]\n  worker:\n    command: run\n');
    expect(found).toEqual([
      `${SHOWN}: services.api.container_name is not supported by faultline (it names containers per run, so that runs never collide); supported keys are: ${KEYS}`,
      `${SHOWN}: services.api has neither image nor build: give image: "name:tag" or build: "./folder"`,
      `${SHOWN}: services.api.depends_on[0] "dbb" is not a service; services are: api, worker`,
      `${SHOWN}: services.worker has neither image nor build: give image: "name:tag" or build: "./folder"`,
    ]);
  });
});

describe('loadCompose', () => {
  it('reads a file, with paths relative to its folder', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'faultline-compose-'));
    try {
      await writeFile(join(dir, 'docker-compose.yml'), 'services:\n  api:\n    build: ./api\n');
      expect((await loadCompose(join(dir, 'docker-compose.yml'), 'x.yml', {})).services.api?.build).toEqual({ context: join(dir, 'api') });
    } finally {
      await rm(dir, { recursive: true });
    }
  });

  it('names a missing file', async () => {
    await expect(loadCompose('/nonexistent/docker-compose.yml', 'examples/x/docker-compose.yml')).rejects.toThrow(
      new SystemError(['examples/x/docker-compose.yml: the compose file does not exist']),
    );
  });
});

describe('composeEdges and composePorts', () => {
  const shop = parse(
    [
      'services:',
      '  web:\n    image: web\n    depends_on: [api]\n    environment: { API: "http://api:8080", OTHER: "http://example.com:80", SELF: "web:80" }',
      '  api:\n    image: api\n    environment:\n      DATABASE_URL: postgres://user:pw@db:5432/shop\n      CACHE: redis://cache\n      QUEUE_HOSTS: "mq:5672,mq2:5672"\n      MODE: cache\n      SEARCH_HOST: search',
      '  db:\n    image: docker.io/library/postgres:16-alpine',
      '  cache:\n    image: redis@sha256:abc',
      '  mq:\n    image: localhost:5000/team/rabbitmq:3\n    expose: ["5672"]',
      '  search:\n    image: mongo',
      '',
    ].join('\n'),
  );

  it('suggests edges from depends_on and from addresses in the environment, deduplicated and sorted', () => {
    expect(composeEdges(shop)).toEqual(['api->cache', 'api->db', 'api->mq', 'api->search', 'web->api']);
  });

  it('gives the first container port, else the well-known port of the image', () => {
    expect(Object.values(shop.services).map((s) => composePorts(s))).toEqual([undefined, undefined, 5432, 6379, 5672, 27017]);
  });
});
