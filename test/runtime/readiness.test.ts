// Boot waits for a service's own readiness: an answer from another process on its port (another
// run's service, after ours lost the race for the port) is not our service being ready.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answersReady } from '../../harness/runtime/services.ts';

describe('readiness', () => {
  let server: Server;
  let url = '';
  beforeAll(async () => {
    server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'ready', pid: 4242 })));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('holds for the process it names', async () => {
    await expect(answersReady(url, '/health/ready', 4242)).resolves.toBe(true);
    await expect(answersReady(url, '/health/ready')).resolves.toBe(true);
  });

  it('refuses an answer from another process, saying whose', async () => {
    await expect(answersReady(url, '/health/ready', 777)).rejects.toThrow(/answered by another process \(pid 4242\), not the one started \(pid 777\)/);
  });
});
