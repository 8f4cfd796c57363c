// Whether the engine DOCKER_HOST (or the local socket) names answers, asked directly over HTTP
// without loading testcontainers (which takes about a second): the pre-boot check of the docker
// runtime, and the cheap look a local run takes before it removes killed docker runs' leftovers.

import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { HarnessError } from '../paths.ts';

export const DEFAULT_DOCKER_SOCKET = '/var/run/docker.sock';

/** DOCKER_HOST when set, else the local socket when it exists, else undefined. */
export function dockerHostOf(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.DOCKER_HOST) return env.DOCKER_HOST;
  return existsSync(DEFAULT_DOCKER_SOCKET) ? `unix://${DEFAULT_DOCKER_SOCKET}` : undefined;
}

/**
 * GET /_ping at `dockerHost` itself. testcontainers tries DOCKER_HOST and then
 * /var/run/docker.sock, so a DOCKER_HOST with nothing behind it would otherwise run on an engine
 * the user did not name. Resolves true when the engine answered, false when the scheme is one this
 * does not speak (ssh://, npipe://, TLS: left to testcontainers); rejects with a HarnessError
 * naming DOCKER_HOST when nothing answers within `timeoutMs`.
 */
export async function pingDockerHost(dockerHost: string, timeoutMs = 3_000): Promise<boolean> {
  let url: URL;
  try {
    url = new URL(dockerHost);
  } catch {
    throw new HarnessError(`DOCKER_HOST="${dockerHost}" is not a URL; use unix:///path/to/docker.sock or tcp://host:port, or unset it`);
  }
  if (url.protocol !== 'unix:' && !(url.protocol === 'tcp:' && process.env.DOCKER_TLS_VERIFY !== '1')) return false;
  const target = url.protocol === 'unix:' ? { socketPath: url.pathname } : { host: url.hostname, port: Number(url.port || 2375) };
  const problem = await new Promise<string>((resolve) => {
    const req = request({ ...target, path: '/_ping', timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode === 200 ? '' : `answered /_ping with HTTP ${res.statusCode}`);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ? `${error.code}: ${error.message}` : error.message));
    req.end();
  });
  if (problem === '') return true;
  const named = process.env.DOCKER_HOST === dockerHost ? `DOCKER_HOST=${dockerHost}` : dockerHost;
  throw new HarnessError(
    `no Docker engine answers at ${named} (${problem}); start the engine there${process.env.DOCKER_HOST === dockerHost ? ', unset DOCKER_HOST to use /var/run/docker.sock,' : ''} or use --runtime local`,
  );
}
