// The Toxiproxy server for the local runtime (toxiproxy-server in the per-user tool cache, built by setup), its
// API on 127.0.0.1 and a free port, with per-proxy metrics on; then one proxy per declared edge.

import { join } from 'node:path';
import type { EdgeSpec } from '../system/system.ts';
import { LOOPBACK, withFreePort } from './ports.ts';
import { type ProcessSpec, type RunningProcess, waitUntil } from './processes.ts';
import { type PartContext, startFailure } from './supervisor.ts';
import { createProxy, version } from './toxiproxy.ts';
import type { EdgeEndpoint } from './types.ts';

export interface StartedToxiproxy {
  process: RunningProcess;
  url: string;
}

export async function startToxiproxy(ctx: PartContext, binary: string, seed: number): Promise<StartedToxiproxy> {
  return withFreePort(async (port) => {
    const spec: ProcessSpec = {
      name: 'toxiproxy',
      argv: [binary, '-host', LOOPBACK, '-port', String(port), '-proxy-metrics', '-seed', String(seed)],
      env: { ...ctx.baseEnv, LOG_LEVEL: 'info' },
      logFile: join(ctx.logsDir, 'toxiproxy.log'),
    };
    const url = `http://${LOOPBACK}:${port}`;
    let child: RunningProcess | undefined;
    try {
      child = await ctx.supervisor.launch(spec);
      await waitUntil(async () => (await version(url)) !== '', { what: `GET ${url}/version`, timeoutMs: ctx.readyTimeoutMs, process: child });
      return { process: child, url };
    } catch (error) {
      if (child) await ctx.supervisor.stopOne(child);
      throw await startFailure('toxiproxy', spec, error);
    }
  });
}

/** How a probe speaks across an edge: its callee's protocol (and HTTP path). */
export const probeOf = (edge: EdgeSpec): Pick<EdgeEndpoint, 'protocol' | 'probePath'> => ({
  protocol: edge.protocol,
  ...(edge.probePath === undefined ? {} : { probePath: edge.probePath }),
});

/**
 * One proxy per edge, listening on a port the server picks (so no race for it), in front of the
 * upstream `upstreamOf(edge)` returns.
 */
export async function createEdgeProxies(
  url: string,
  edges: readonly EdgeSpec[],
  upstreamOf: (edge: EdgeSpec) => string,
): Promise<Record<string, EdgeEndpoint>> {
  const out: Record<string, EdgeEndpoint> = {};
  for (const edge of edges) {
    const upstream = upstreamOf(edge);
    const proxy = await createProxy(url, { name: edge.proxy, listen: `${LOOPBACK}:0`, upstream });
    out[edge.name] = { edge: edge.name, proxy: edge.proxy, listen: proxy.listen, upstream, ...probeOf(edge) };
  }
  return out;
}
