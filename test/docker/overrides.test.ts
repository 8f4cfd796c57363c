// What an image named by FAULTLINE_IMAGE_<PART> is given or must have: the official postgres
// image's POSTGRES_* variables and a readiness that waits for its real server, and faultline's
// toxics in a Toxiproxy override, checked against the real server `npm run setup` built.

import { type ChildProcess, spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresSpec } from '../../harness/runtime/docker.ts';
import { requireFaultlineToxics } from '../../harness/runtime/image-overrides.ts';
import type { ImagePlan } from '../../harness/runtime/images.ts';
import { freePort } from '../../harness/runtime/ports.ts';
import { createProxy, version } from '../../harness/runtime/toxiproxy.ts';
import { toolPath } from '../../harness/tools.ts';

const planWith = (override: boolean): ImagePlan =>
  ({ images: { postgres: { ref: override ? 'postgres:16' : 'faultline/postgres:abc', override } } }) as unknown as ImagePlan;

describe('a postgres override', () => {
  it("gets the official image's POSTGRES_* variables for the faultline user and database, trusting the network", () => {
    const spec = postgresSpec('db', planWith(true), 'net', 'db');
    expect(spec.env).toEqual({ POSTGRES_HOST_AUTH_METHOD: 'trust', POSTGRES_USER: 'faultline', POSTGRES_DB: 'faultline' });
    expect(spec.wait).toMatchObject({ command: 'pg_isready -h 127.0.0.1 -p 5432 -U faultline -d faultline' });
    expect(spec.image).toBe('postgres:16');
  });

  it("leaves faultline's own image as it is: no variables, ready at its one ready line", () => {
    const spec = postgresSpec('db', planWith(false), 'net', 'db-real');
    expect(spec.env).toBeUndefined();
    expect(spec.wait).not.toHaveProperty('command');
    expect(spec).toMatchObject({ part: 'db', image: 'faultline/postgres:abc', aliases: ['db-real'] });
  });
});

describe('a Toxiproxy override', () => {
  let server: ChildProcess;
  let url: string;
  let standIn: Server;
  let standInUrl: string;
  beforeAll(async () => {
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    server = spawn(toolPath('toxiproxy-server'), ['-host', '127.0.0.1', '-port', String(port)], { stdio: 'ignore' });
    for (
      let i = 0;
      i < 100 &&
      !(await version(url).then(
        () => true,
        () => false,
      ));
      i++
    )
      await new Promise((r) => setTimeout(r, 50));
    await createProxy(url, { name: 'edge', listen: '127.0.0.1:0', upstream: '127.0.0.1:9' });
    // answers as an upstream Toxiproxy server does for a toxic type it does not know
    standIn = createServer((req, res) => {
      res
        .writeHead(req.method === 'POST' ? 400 : 404, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: 'Bad Request: invalid toxic type', status: 400 }));
    });
    await new Promise<void>((r) => standIn.listen(0, '127.0.0.1', r));
    standInUrl = `http://127.0.0.1:${(standIn.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server?.kill('SIGKILL');
    standIn?.close();
  });

  it("passes when the server knows byte_counter and packet_loss (faultline's build), leaving no toxic behind", async () => {
    await expect(requireFaultlineToxics(url, 'edge', 'registry.example/toxiproxy:faultline')).resolves.toBeUndefined();
    const toxics = (await (await fetch(`${url}/proxies/edge/toxics`)).json()) as unknown[];
    expect(toxics).toEqual([]);
  });

  it('refuses a server without them, naming the variable, the image, the toxics and tools/toxiproxy', async () => {
    await expect(requireFaultlineToxics(standInUrl, 'edge', 'ghcr.io/shopify/toxiproxy:2.12.0')).rejects.toThrow(
      /^FAULTLINE_IMAGE_TOXIPROXY=ghcr\.io\/shopify\/toxiproxy:2\.12\.0 lacks faultline's toxics: byte_counter \(.*\); packet_loss \(.*\)\. Every toxic fault needs byte_counter: build that image from tools\/toxiproxy/,
    );
  });
});
