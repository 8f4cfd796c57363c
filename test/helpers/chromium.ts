// Debian's chromium, headless, driven over the DevTools protocol with Node's own WebSocket: no
// browser download, no extra package. Used by the report's browser test and by
// scripts/screenshot-report.ts. Every page is opened with the network emulated offline, and
// everything it logs as an error, throws, or tries to fetch is recorded for the caller to judge.

import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const CHROMIUM_PATH = process.env.FAULTLINE_CHROMIUM ?? '/usr/bin/chromium';
export const chromiumInstalled = (): boolean => existsSync(CHROMIUM_PATH);

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--no-default-browser-check',
  '--disable-extensions',
  '--disable-sync',
  '--hide-scrollbars',
  '--mute-audio',
];
const START_TIMEOUT_MS = 30_000;
const CALL_TIMEOUT_MS = 30_000;

type Params = Record<string, unknown>;
interface Message {
  id?: number;
  method?: string;
  params?: Params;
  result?: Params;
  error?: { message: string };
  sessionId?: string;
}

export interface Viewport {
  width: number;
  height: number;
}

export interface OpenedPage {
  /** console errors, uncaught exceptions, error log entries (CSP violations, failed loads) */
  readonly errors: string[];
  /** every URL the page asked for, the document included */
  readonly requests: string[];
  evaluate<T>(expression: string): Promise<T>;
  /** a PNG of the page from the top, at most maxHeight CSS pixels tall (default: all of it) */
  screenshot(path: string, maxHeight?: number): Promise<void>;
}

export interface Chromium {
  open(url: string, viewport: Viewport): Promise<OpenedPage>;
  close(): Promise<void>;
}

function waitForEndpoint(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(
      () => reject(new Error(`chromium printed no DevTools endpoint within ${START_TIMEOUT_MS} ms; it said:\n${seen}`)),
      START_TIMEOUT_MS,
    );
    child.stderr?.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      const m = /DevTools listening on (ws:\/\/\S+)/.exec(seen);
      if (m?.[1] !== undefined) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`chromium exited with code ${code} before it listened; it said:\n${seen}`));
    });
  });
}

/** Starts chromium with a fresh profile; close() stops it and removes the profile. */
export async function launchChromium(): Promise<Chromium> {
  const profile = await mkdtemp(join(tmpdir(), 'faultline-chromium-'));
  // its own process group, so the fallback kill reaches its helpers and nothing else
  const child = spawn(CHROMIUM_PATH, [...ARGS, `--user-data-dir=${profile}`, '--remote-debugging-port=0', 'about:blank'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let socket: WebSocket;
  try {
    socket = new WebSocket(await waitForEndpoint(child));
    await new Promise<void>((resolve, reject) => {
      socket.addEventListener('open', () => resolve(), { once: true });
      socket.addEventListener('error', () => reject(new Error('could not connect to chromium over DevTools')), { once: true });
    });
  } catch (error) {
    if (child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, 'SIGKILL');
    await rm(profile, { recursive: true, force: true });
    throw error;
  }

  let nextId = 1;
  const pending = new Map<number, { resolve: (r: Params) => void; reject: (e: Error) => void }>();
  const listeners = new Set<(m: Message) => void>();
  socket.addEventListener('message', (event) => {
    const message = JSON.parse(String(event.data)) as Message;
    if (message.id !== undefined) {
      const call = pending.get(message.id);
      pending.delete(message.id);
      if (message.error !== undefined) call?.reject(new Error(message.error.message));
      else call?.resolve(message.result ?? {});
    } else for (const listener of listeners) listener(message);
  });
  const send = (method: string, params: Params = {}, sessionId?: string): Promise<Params> => {
    const id = nextId++;
    socket.send(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`DevTools call ${method} got no answer within ${CALL_TIMEOUT_MS} ms`)), CALL_TIMEOUT_MS);
      pending.set(id, { resolve: (r) => (clearTimeout(timer), resolve(r)), reject: (e) => (clearTimeout(timer), reject(e)) });
    });
  };

  async function open(url: string, viewport: Viewport): Promise<OpenedPage> {
    const { targetId } = await send('Target.createTarget', { url: 'about:blank' });
    const { sessionId } = (await send('Target.attachToTarget', { targetId, flatten: true })) as { sessionId: string };
    const call = (method: string, params: Params = {}) => send(method, params, sessionId);
    const errors: string[] = [];
    const requests: string[] = [];
    let loaded: () => void = () => undefined;
    const load = new Promise<void>((resolve) => (loaded = resolve));
    listeners.add((m) => {
      if (m.sessionId !== sessionId || m.params === undefined) return;
      const p = m.params as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- protocol events
      if (m.method === 'Runtime.consoleAPICalled' && (p.type === 'error' || p.type === 'assert'))
        errors.push(`console.${p.type}: ${(p.args ?? []).map((a: { value?: unknown; description?: string }) => a.value ?? a.description).join(' ')}`);
      else if (m.method === 'Runtime.exceptionThrown') errors.push(`exception: ${p.exceptionDetails?.exception?.description ?? p.exceptionDetails?.text}`);
      else if (m.method === 'Log.entryAdded' && p.entry?.level === 'error')
        errors.push(`${p.entry.source}: ${p.entry.text}${p.entry.url ? ` (${p.entry.url})` : ''}`);
      else if (m.method === 'Network.requestWillBeSent') requests.push(String(p.request?.url));
      else if (m.method === 'Network.loadingFailed' && !p.canceled) errors.push(`load failed: ${p.errorText}`);
      else if (m.method === 'Page.loadEventFired') loaded();
    });
    for (const domain of ['Page', 'Runtime', 'Log', 'Network']) await call(`${domain}.enable`);
    await call('Network.emulateNetworkConditions', { offline: true, latency: 0, downloadThroughput: 0, uploadThroughput: 0 });
    await call('Emulation.setDeviceMetricsOverride', { ...viewport, deviceScaleFactor: 1, mobile: false });
    const navigated = await call('Page.navigate', { url });
    if (typeof navigated.errorText === 'string') throw new Error(`chromium could not open ${url}: ${navigated.errorText}`);
    await load;
    return {
      errors,
      requests,
      async evaluate<T>(expression: string): Promise<T> {
        const r = (await call('Runtime.evaluate', { expression, returnByValue: true, awaitPromise: true })) as {
          result: { value: T };
          exceptionDetails?: { text: string };
        };
        if (r.exceptionDetails !== undefined) throw new Error(`evaluating ${expression}: ${r.exceptionDetails.text}`);
        return r.result.value;
      },
      async screenshot(path: string, maxHeight = Infinity): Promise<void> {
        const metrics = (await call('Page.getLayoutMetrics')) as { cssContentSize: { height: number } };
        const height = Math.ceil(Math.min(metrics.cssContentSize.height, maxHeight));
        const shot = (await call('Page.captureScreenshot', {
          format: 'png',
          captureBeyondViewport: true,
          clip: { x: 0, y: 0, width: viewport.width, height, scale: 1 },
        })) as { data: string };
        await writeFile(path, Buffer.from(shot.data, 'base64'));
      },
    };
  }

  async function close(): Promise<void> {
    await send('Browser.close').catch(() => undefined);
    socket.close();
    const timer = setTimeout(() => child.pid !== undefined && child.exitCode === null && process.kill(-child.pid, 'SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
    await rm(profile, { recursive: true, force: true });
  }

  return { open, close };
}
