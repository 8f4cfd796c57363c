// redis-server for the local runtime: in the foreground as our child, on 127.0.0.1 and a free
// port, no persistence, working dir inside this stack's temp dir.

import { mkdir } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { LOOPBACK, withFreePort } from './ports.ts';
import { type ProcessSpec, type RunningProcess, waitUntil } from './processes.ts';
import { type PartContext, startFailure } from './supervisor.ts';

export interface StartedRedis {
  process: RunningProcess;
  port: number;
  /** how it was started, for a restart on the same port */
  spec: ProcessSpec;
}

/** One PING on a fresh connection; resolves true on +PONG. */
export function redisPing(port: number, host: string = LOOPBACK, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    let reply = '';
    const done = (error?: Error): void => {
      socket.destroy();
      if (error) reject(error);
      else resolve(reply.startsWith('+PONG'));
    };
    socket.setTimeout(timeoutMs, () => done(new Error(`no PING reply from ${host}:${port} within ${timeoutMs} ms`)));
    socket.once('error', done);
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString('latin1');
      if (reply.includes('\r\n')) done();
    });
  });
}

/** Starts the part `name` (a system's redis part; its log is logs/<name>.log). */
export async function startRedis(ctx: PartContext, redisServer: string, name = 'redis'): Promise<StartedRedis> {
  const dir = join(ctx.tempDir, `redis-${name}`);
  await mkdir(dir);
  return withFreePort(async (port) => {
    const spec: ProcessSpec = {
      name,
      // set-proc-title no: keep /proc/<pid>/cmdline equal to this argv, which the ledger matches
      argv: [
        redisServer,
        '--port',
        String(port),
        '--bind',
        LOOPBACK,
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        dir,
        '--daemonize',
        'no',
        '--set-proc-title',
        'no',
      ],
      env: ctx.baseEnv,
      logFile: join(ctx.logsDir, `${name}.log`),
    };
    let child: RunningProcess | undefined;
    try {
      child = await ctx.supervisor.launch(spec);
      await waitUntil(() => redisPing(port), { what: `PONG from 127.0.0.1:${port}`, timeoutMs: ctx.readyTimeoutMs, process: child });
      return { process: child, port, spec };
    } catch (error) {
      if (child) await ctx.supervisor.stopOne(child);
      throw await startFailure(name, spec, error);
    }
  });
}
