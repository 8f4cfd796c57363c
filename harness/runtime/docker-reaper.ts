// What the watchdog (watchdog.ts) does on the Docker engine once its harness is dead, in the
// manner of testcontainers' Ryuk (whose image cannot be pulled here): removes every container and
// network labelled with the run (the labels of containers.ts / docker-cleanup.ts), talking plain
// HTTP to the engine as docker-ping.ts does, without loading testcontainers. It looks again until
// a look finds nothing a second after the first: a create the harness sent just before it died
// finishes in the engine after the first look.
// With `spare` (a --keep-up run) the containers stay; the paused ones are unpaused.

import { request } from 'node:http';
import { LABEL_PART, LABEL_RUN_ID } from './docker-layout.ts';

interface EngineAnswer {
  status: number;
  body: string;
}

/** One call to the engine at `dockerHost` (unix:///path or tcp://host:port, as DOCKER_HOST). */
export function engineCall(dockerHost: string, method: string, path: string, timeoutMs = 10_000): Promise<EngineAnswer> {
  const url = new URL(dockerHost);
  const target = url.protocol === 'unix:' ? { socketPath: url.pathname } : { host: url.hostname, port: Number(url.port || 2375) };
  return new Promise((resolve, reject) => {
    const req = request({ ...target, method, path, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

export interface Labelled {
  id: string;
  name: string;
  part: string;
  state?: string;
}

/** The containers (with their state) and networks labelled with `runId`. */
export async function listLabelled(dockerHost: string, runId: string): Promise<{ containers: Labelled[]; networks: Labelled[] }> {
  const filters = encodeURIComponent(JSON.stringify({ label: [`${LABEL_RUN_ID}=${runId}`] }));
  const [containers, networks] = await Promise.all([
    engineCall(dockerHost, 'GET', `/containers/json?all=1&filters=${filters}`),
    engineCall(dockerHost, 'GET', `/networks?filters=${filters}`),
  ]);
  for (const answer of [containers, networks]) if (answer.status !== 200) throw new Error(`the engine answered ${answer.status}: ${answer.body.trim()}`);
  type Raw = { Id: string; Names?: string[]; Name?: string; Labels?: Record<string, string>; State?: string };
  const of = (raw: Raw): Labelled => ({
    id: raw.Id,
    name: (raw.Names?.[0] ?? raw.Name ?? raw.Id).replace(/^\//, ''),
    part: raw.Labels?.[LABEL_PART] ?? '?',
    ...(raw.State ? { state: raw.State } : {}),
  });
  return { containers: (JSON.parse(containers.body) as Raw[]).map(of), networks: (JSON.parse(networks.body) as Raw[]).map(of) };
}

export interface DockerReapOptions {
  /** --keep-up: leave the containers; unpause the paused ones */
  spare?: boolean;
  /** keep looking until a look this long after the start finds nothing (default 1000 ms) */
  settleMs?: number;
}

/** Removes (or, sparing, unpauses) what run `runId` has on the engine. One line per thing done. */
export async function reapDockerRun(dockerHost: string, runId: string, options: DockerReapOptions = {}): Promise<string[]> {
  const lines: string[] = [];
  if (options.spare) {
    for (const c of (await listLabelled(dockerHost, runId)).containers.filter((c) => c.state === 'paused')) {
      const answer = await engineCall(dockerHost, 'POST', `/containers/${c.id}/unpause`);
      lines.push(answer.status < 300 ? `kept up ${c.name} (${c.part}), unpaused` : `could not unpause ${c.name}: ${answer.status} ${answer.body.trim()}`);
    }
    return lines;
  }
  const started = performance.now();
  const settleMs = options.settleMs ?? 1000;
  for (let look = 0; look < 20; look++) {
    const { containers, networks } = await listLabelled(dockerHost, runId);
    if (containers.length === 0 && networks.length === 0) {
      if (performance.now() - started >= settleMs) break;
      await new Promise((r) => setTimeout(r, 200));
      continue;
    }
    // force: a running (or paused) container is killed first; v: its anonymous volumes go too
    await Promise.all(
      containers.map(async (c) => {
        const answer = await engineCall(dockerHost, 'DELETE', `/containers/${c.id}?force=true&v=true`);
        if (answer.status < 300) lines.push(`removed container ${c.name} (${c.part})`);
        else if (answer.status !== 404 && answer.status !== 409) lines.push(`could not remove container ${c.name}: ${answer.status} ${answer.body.trim()}`);
      }),
    );
    for (const n of networks) {
      const answer = await engineCall(dockerHost, 'DELETE', `/networks/${n.id}`);
      if (answer.status < 300) lines.push(`removed network ${n.name}`);
      // 403/409: a container still attached (being created as we look): the next look gets it
      else if (![403, 404, 409].includes(answer.status)) lines.push(`could not remove network ${n.name}: ${answer.status} ${answer.body.trim()}`);
    }
  }
  return lines;
}
