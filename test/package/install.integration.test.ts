// faultline as a team gets it: `npm pack` the repository, install the tarball into a scratch project
// outside it (its own package.json, "type": "commonjs" as `npm init -y` writes), then, with the
// installed bin only: `faultline init --from docker-compose.yml` on the foreign example's compose
// file, `faultline setup` (through the per-user cache this machine's set-up filled), and one run of
// the starter scenario once its TODOs are filled in the way the README says. Nothing of the
// repository is imported by the project; the run's exit code, result.json and report.html are checked.

import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../harness/paths.ts';

const scratch = mkdtempSync(join(tmpdir(), 'faultline-install-'));
const project = join(scratch, 'notes-team');
let tarball = '';
/** npm as the team runs it, under the machine's own Node (20 here), not the repository's 24 */
const SYSTEM_NODE_PATH = ['/usr/local/bin', '/usr/bin', '/bin'].join(':');
const env: NodeJS.ProcessEnv = {
  ...process.env,
  PATH: SYSTEM_NODE_PATH,
  NO_COLOR: '1',
  npm_config_update_notifier: 'false',
  npm_config_fund: 'false',
  npm_config_audit: 'false',
};
for (const key of Object.keys(env)) if (key.startsWith('npm_') && !key.startsWith('npm_config_')) delete env[key];
delete env.FAULTLINE_BIN;

function npx(args: string[], timeout = 300_000): { code: number | null; out: string } {
  const r = spawnSync('npx', ['--no-install', 'faultline', ...args], { cwd: project, env, encoding: 'utf8', timeout });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

beforeAll(() => {
  const packed = execFileSync('npm', ['pack', '--pack-destination', scratch, '--json'], { cwd: PACKAGE_ROOT, env, encoding: 'utf8' });
  tarball = join(scratch, (JSON.parse(packed.slice(packed.indexOf('['))) as { filename: string }[])[0]?.filename ?? '');
  execFileSync('mkdir', [project]);
  execFileSync('npm', ['init', '-y'], { cwd: project, env, stdio: 'ignore' });
  execFileSync('npm', ['pkg', 'set', 'allowScripts.node=true', '--json'], { cwd: project, env });
  execFileSync('npm', ['install', '--save-dev', '--prefer-offline', tarball], { cwd: project, env, stdio: 'ignore', timeout: 600_000 });
  for (const file of ['app.py', 'Dockerfile', 'docker-compose.yml']) copyFileSync(join(PACKAGE_ROOT, 'examples', 'notes', file), join(project, file));
}, 900_000);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('the packed tarball in a project of its own', () => {
  it('ships the compiled harness, its types and the tools it builds, and not the shop, the examples or the tests', () => {
    const listed = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n');
    expect(listed).toContain('package/dist/harness/cli.js');
    expect(listed).toContain('package/dist/harness/index.d.ts');
    expect(listed).toContain('package/tools/toxiproxy/main.go');
    expect(listed).toContain('package/scripts/setup.sh');
    expect(listed.filter((f) => /^package\/(sample-system|examples|test|scenarios|bench)\//.test(f))).toEqual([]);
    expect(listed.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
  });

  it('init --from the compose file writes a declaration, a scenario and a config, importing from faultline', { timeout: 60_000 }, () => {
    const { code, out } = npx(['init', '--from', 'docker-compose.yml']);
    expect(out).toContain(`wrote ${join(project, 'system.ts')}`);
    expect(out).toContain(`wrote ${join(project, 'faultline.config.ts')}`);
    expect(code).toBe(0);
    expect(readFileSync(join(project, 'system.ts'), 'utf8')).toContain("import { defineSystem } from 'faultline';");
    // a second init leaves every file as it is
    expect(npx(['init', '--from', 'docker-compose.yml']).out).toContain('left');
  });

  it("starts under the machine's Node 20 by handing over to the Node 24 it brings", () => {
    const node20 = '/usr/bin/node';
    if (!existsSync(node20) || !execFileSync(node20, ['--version'], { encoding: 'utf8' }).startsWith('v20')) return;
    const r = spawnSync(node20, [join(project, 'node_modules', 'faultline', 'bin', 'faultline.js'), 'list'], { cwd: project, env, encoding: 'utf8' });
    expect(r.stdout, r.stderr).toContain('notes-team-latency');
    expect(r.status).toBe(0);
  });

  it('setup finds the tools in the per-user cache and builds nothing', { timeout: 600_000 }, () => {
    const { code, out } = npx(['setup'], 600_000);
    expect(out, out).toMatch(/toxiproxy-server: \S+ already built/);
    expect(out).toMatch(/k6: \S+ already built/);
    expect(out).toContain('node_modules: installed by your project');
    expect(code, out).toBe(0);
  });

  it('runs the starter scenario once its TODOs are filled in: exit 0, result.json and report.html', { timeout: 600_000 }, () => {
    // what a team fills in: the endpoint the load reads, and how the local runtime starts the app
    const system = readFileSync(join(project, 'system.ts'), 'utf8')
      .replace("'GET /': { path: '/' }", "'GET /': { path: '/notes/{id}', params: { id: { int: [1, 200] } } }")
      .replace("command: ['TODO', 'the command that starts app']", "command: ['/usr/bin/python3', 'app.py']")
      .replace(
        "PORT: '{{port}}',",
        `PORT: '{{port}}', HOST: '{{host}}', DATABASE_URL: 'postgres://faultline@{{edge "app->db"}}/faultline', REDIS_URL: 'redis://{{edge "app->cache"}}/0',`,
      )
      .replace(/readiness: \{ tcp: true \}[^,]*,/, "readiness: { http: '/health' },");
    writeFileSync(join(project, 'system.ts'), system);
    const { code, out } = npx(['run', 'notes-team-latency'], 600_000);
    const latest = join(project, 'faultline-reports', 'latest');
    expect(existsSync(join(latest, 'report.html')), out).toBe(true);
    const result = JSON.parse(readFileSync(join(latest, 'result.json'), 'utf8')) as { verdict: string; scenario: { name: string } };
    expect(result.scenario.name).toBe('notes-team-latency');
    expect(result.verdict, out).toBe('pass');
    expect(code, out).toBe(0);
  });
});
