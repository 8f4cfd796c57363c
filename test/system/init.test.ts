// `npm run init -- --from docker-compose.yml`: a starter declaration and scenario that load and
// validate as they are (TODOs and all), from a team's compose file; never overwriting a file.

import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSystemFile } from '../../harness/discovery.ts';
import { init } from '../../harness/init.ts';
import { PROJECT_ROOT } from '../../harness/paths.ts';
import { validateScenario } from '../../harness/scenario.ts';

const scratch = mkdtempSync(join(tmpdir(), 'faultline-init-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('init --from a compose file', () => {
  it("writes a declaration and a scenario from the notes example's compose file that validate as written", async () => {
    const dir = join(scratch, 'notes-copy');
    const said: string[] = [];
    mkdirSync(dir);
    copyFileSync(join(PROJECT_ROOT, 'examples/notes/docker-compose.yml'), join(dir, 'docker-compose.yml'));
    await init(['--from', join(dir, 'docker-compose.yml')], (l) => said.push(l));
    expect(said[0]).toBe(`wrote ${join(dir, 'system.ts')}`);
    const system = await loadSystemFile(join(dir, 'system.ts'), scratch);
    expect(system.name).toBe('notes-copy');
    expect(Object.fromEntries(Object.values(system.parts).map((p) => [p.name, p.kind]))).toEqual({ app: 'service', db: 'postgres', cache: 'redis' });
    expect(system.edges.map((e) => e.name)).toEqual(['app->cache', 'app->db']);
    expect(system.entry).toBe('app');
    expect(system.parts.app).toMatchObject({ port: 8000 });
    const scenarioFile = join(dir, 'scenarios', 'notes-copy-latency.ts');
    const scenario = validateScenario((await import(scenarioFile)).default, scenarioFile, system);
    expect(scenario.schedule[0]?.fault).toMatchObject({ kind: 'latency', params: { edge: 'app->cache', ms: 300 } });
  });

  it('never overwrites a file that is there', async () => {
    const dir = join(scratch, 'kept');
    mkdirSync(dir);
    writeFileSync(join(dir, 'docker-compose.yml'), 'services:\n  web:\n    image: nginx\n    ports: ["80"]\n');
    writeFileSync(join(dir, 'system.ts'), '// mine\n');
    const said: string[] = [];
    await init(['--from', join(dir, 'docker-compose.yml')], (l) => said.push(l));
    expect(said[0]).toBe(`left ${join(dir, 'system.ts')} as it is (it exists)`);
    expect(readFileSync(join(dir, 'system.ts'), 'utf8')).toBe('// mine\n');
    expect(said[1]).toBe(`wrote ${join(dir, 'scenarios', 'kept-latency.ts')}`);
  });

  it('refuses a compose file it cannot honour, naming the key (exit 2 from the command)', async () => {
    const dir = join(scratch, 'bad');
    mkdirSync(dir);
    writeFileSync(join(dir, 'docker-compose.yml'), 'services:\n  web:\n    image: nginx\n    network_mode: host\n');
    await expect(init(['--from', join(dir, 'docker-compose.yml')], () => undefined)).rejects.toThrow(/services\.web\.network_mode/);
  });
});
