// Builds the images planned in images.ts with the docker CLI: the base from debootstrap (as root,
// from a Debian mirror, no image registry), then each part with `docker build` FROM that base.
// An image whose content-hash tag exists is never built again. Every command's output goes to
// one log file; progress lines say what was built or found, and how long it took.

import { createWriteStream, type WriteStream } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { HarnessError, PROJECT_ROOT } from '../paths.ts';
import { cacheRoot } from '../tools.ts';
import {
  BASE_PACKAGES,
  BASE_STABLE_TAG,
  BASE_SUITE,
  IMAGE_CHECKOUT_LABEL,
  IMAGE_HASH_LABEL,
  IMAGE_PART_LABEL,
  IMAGE_PARTS,
  IMAGE_VERSION_LABEL,
  type ImagePart,
  type ImagePlan,
  type PlannedImage,
  readManifest,
  writeManifest,
} from './images.ts';

export const IMAGE_BUILD_LOG = join(cacheRoot(), 'logs', 'images-build.log');
const DEFAULT_MIRROR = 'http://deb.debian.org/debian';

export interface Command {
  argv: string[];
  /** text for stdin, or a command whose stdout becomes our stdin (a pipe: tar | docker import) */
  stdinFrom?: string[];
  env?: NodeJS.ProcessEnv;
}

/** Runs a command (or `feeder | command`), its output appended to the build log; resolves with its stdout. */
export async function run(command: Command, log: WriteStream): Promise<string> {
  log.write(`\n$ ${command.stdinFrom ? `${command.stdinFrom.join(' ')} | ` : ''}${command.argv.join(' ')}\n`);
  const [file, ...args] = command.argv as [string, ...string[]];
  const options = { env: command.env, reject: false, all: true } as const;
  const [f, ...a] = command.stdinFrom ?? [];
  // the feeder's stdout is the stream (a whole root filesystem as tar, ~480 MB): it must never be
  // kept, or execa's maxBuffer (100 MB) kills the feeder mid-stream and docker import reads a
  // truncated archive ("unexpected EOF"); only its stderr is kept for the log
  const result = await (f === undefined
    ? execa(file, args, { ...options, stdin: 'ignore' })
    : execa(f, a, { env: command.env, reject: false, stdin: 'ignore', buffer: { stdout: false, stderr: true } }).pipe(file, args, options));
  // the feeder's errors and the command's output, each as it came (stdout and stderr interleaved)
  for (const step of result.pipedFrom) if (step.stderr) log.write(`${step.stderr}\n`);
  if (result.all) log.write(`${result.all}\n`);
  const failed = [...result.pipedFrom, result].find((r) => r.failed);
  if (failed !== undefined) {
    const what = failed.exitCode === undefined ? (failed.signal ?? failed.shortMessage) : `code ${failed.exitCode}`;
    throw new Error(`\`${failed.command.split(' ').slice(0, 3).join(' ')} …\` exited with ${what} (log: ${log.path as string})`);
  }
  return result.stdout;
}

const docker = (...args: string[]): Command => ({ argv: ['docker', ...args], env: { DOCKER_BUILDKIT: '0' } });

export async function imageExists(ref: string): Promise<boolean> {
  return !(await execa('docker', ['image', 'inspect', '--format', '{{.Id}}', ref], { stdio: 'ignore', reject: false })).failed;
}

const seconds = (since: number): number => Math.round((performance.now() - since) / 100) / 10;

function recordBuild(name: string, ref: string, took: number): void {
  const manifest = readManifest();
  manifest.builds[name] = { ref, seconds: took, builtAt: new Date().toISOString() };
  writeManifest(manifest);
}

/** debootstrap (minbase + BASE_PACKAGES) into a temp dir, trimmed, then `docker import`. Needs root. */
async function buildBase(plan: ImagePlan, log: WriteStream, progress: (line: string) => void): Promise<void> {
  if (process.getuid?.() !== 0)
    throw new HarnessError(`the base image ${plan.base.ref} is missing and only root can make it (debootstrap); run \`npm run setup\` as root`);
  const mirror = process.env.FAULTLINE_DEBIAN_MIRROR || DEFAULT_MIRROR;
  const t0 = performance.now();
  progress(`base ${plan.base.ref}: debootstrap --variant=minbase ${BASE_SUITE} from ${mirror} with ${BASE_PACKAGES.join(',')} (about a minute)`);
  const dir = await mkdtemp(join(process.env.FAULTLINE_BUILD_DIR ?? '/var/tmp', 'faultline-base-'));
  try {
    await run({ argv: ['debootstrap', '--variant=minbase', `--include=${BASE_PACKAGES.join(',')}`, BASE_SUITE, dir, mirror] }, log);
    // What a container never needs: package caches and lists, docs, and the cluster the
    // postgresql package made (the postgres image makes its own).
    await run(
      {
        argv: [
          'sh',
          '-c',
          'cd "$1" && rm -rf var/cache/apt/archives/*.deb var/lib/apt/lists/* usr/share/doc/* usr/share/man/* usr/share/info/* var/lib/postgresql/15/main etc/postgresql/15/main var/log/*.log',
          'sh',
          dir,
        ],
      },
      log,
    );
    await run(
      {
        argv: [
          'docker',
          'import',
          '--change',
          'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
          '--change',
          'ENV LANG=C.UTF-8',
          '--change',
          `LABEL ${IMAGE_PART_LABEL}=base ${IMAGE_HASH_LABEL}=${plan.base.hash}`,
          '-',
          plan.base.ref,
        ],
        stdinFrom: ['tar', '-C', dir, '--numeric-owner', '--exclude=./proc/*', '--exclude=./sys/*', '-c', '.'],
      },
      log,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const took = seconds(t0);
  recordBuild('base', plan.base.ref, took);
  progress(`base ${plan.base.ref}: built in ${took} s`);
}

async function buildPart(plan: ImagePlan, image: PlannedImage, log: WriteStream, progress: (line: string) => void): Promise<void> {
  const t0 = performance.now();
  const context = await mkdtemp(join(tmpdir(), `faultline-image-${image.part}-`));
  try {
    await writeFile(join(context, 'Dockerfile'), image.dockerfile);
    for (const [name, source] of Object.entries(image.files)) await copyFile(source, join(context, name));
    const version = await partVersion(plan, image, log);
    await run(
      docker(
        'build',
        '--quiet',
        '--label',
        `${IMAGE_PART_LABEL}=${image.part}`,
        '--label',
        `${IMAGE_HASH_LABEL}=${image.hash}`,
        '--label',
        `${IMAGE_VERSION_LABEL}=${version}`,
        '--label',
        `${IMAGE_CHECKOUT_LABEL}=${PROJECT_ROOT}`,
        '-t',
        image.ref,
        context,
      ),
      log,
    );
  } finally {
    await rm(context, { recursive: true, force: true });
  }
  const took = seconds(t0);
  recordBuild(image.part, image.ref, took);
  progress(`${image.part} ${image.ref}: built in ${took} s`);
}

async function partVersion(plan: ImagePlan, image: PlannedImage, log: WriteStream): Promise<string> {
  if ('inBase' in image.version) return (await run(docker('run', '--rm', plan.base.ref, 'sh', '-c', image.version.inBase), log)).trim();
  const out = (await run({ argv: image.version.host }, log)).trim();
  return /version (\S+)/.exec(out)?.[1] ?? out.replace(/^v/, '');
}

/** Points faultline/debian:bookworm at the current base, for Dockerfiles that build FROM it. */
async function tagStableBase(plan: ImagePlan, progress: (line: string) => void): Promise<void> {
  if (!(await imageExists(plan.base.ref))) return;
  const log = createWriteStream(IMAGE_BUILD_LOG, { flags: 'a' });
  try {
    await run(docker('tag', plan.base.ref, BASE_STABLE_TAG), log);
    progress(`${BASE_STABLE_TAG} -> ${plan.base.ref}`);
  } finally {
    await new Promise((r) => log.end(r));
  }
}

/**
 * Older tags of a rebuilt part (a previous toxiproxy, a previous Node) go; one in use stays, and so
 * does one another checkout on this machine built (its own plan may still name it).
 */
async function pruneOldTags(image: PlannedImage, log: WriteStream): Promise<void> {
  const refs = (
    await run(
      docker(
        'image',
        'ls',
        '--filter',
        `label=${IMAGE_PART_LABEL}=${image.part}`,
        '--filter',
        `label=${IMAGE_CHECKOUT_LABEL}=${PROJECT_ROOT}`,
        '--format',
        '{{.Repository}}:{{.Tag}}',
      ),
      log,
    )
  )
    .split('\n')
    .map((l) => l.trim());
  for (const ref of refs.filter((r) => r && r !== image.ref && !r.endsWith(':<none>'))) await run(docker('image', 'rm', ref), log).catch(() => undefined);
}

export interface EnsureOptions {
  progress: (line: string) => void;
  /** build the base when it is missing (setup: yes; the runtime: no, it needs root and a minute) */
  buildBase: boolean;
  parts?: readonly ImagePart[];
  /** how to ask whether an image exists (default: the docker CLI; the runtime asks its client) */
  exists?: (ref: string) => Promise<boolean>;
}

/** Makes sure every planned image exists, building what is missing; returns the parts it built. */
export async function ensureImages(plan: ImagePlan, options: EnsureOptions): Promise<string[]> {
  const parts = (options.parts ?? IMAGE_PARTS).filter((p) => !plan.images[p].override);
  const exists = options.exists ?? imageExists;
  const found = await Promise.all(parts.map((p) => exists(plan.images[p].ref)));
  const missing = parts.filter((_, i) => !found[i]);
  for (const part of parts.filter((p) => !missing.includes(p))) options.progress(`${part} ${plan.images[part].ref}: up to date, skipped`);
  for (const part of IMAGE_PARTS.filter((p) => plan.images[p].override))
    options.progress(`${part}: ${plan.images[part].ref} (set by ${`FAULTLINE_IMAGE_${part.toUpperCase()}`}), not built`);
  if (missing.length === 0) {
    if (options.buildBase || !(await exists(BASE_STABLE_TAG))) await tagStableBase(plan, options.progress);
    return [];
  }
  await mkdir(join(cacheRoot(), 'logs'), { recursive: true });
  const log = createWriteStream(IMAGE_BUILD_LOG, { flags: 'a' });
  log.write(`\n=== ${new Date().toISOString()} building ${missing.join(', ')}\n`);
  const built: string[] = [];
  try {
    if (!(await exists(plan.base.ref))) {
      if (!options.buildBase) throw new HarnessError(`the docker images are not built (base ${plan.base.ref} is missing); run \`npm run setup\``);
      await buildBase(plan, log, options.progress);
      built.push('base');
    }
    for (const part of missing) {
      await buildPart(plan, plan.images[part], log, options.progress);
      built.push(part);
      await pruneOldTags(plan.images[part], log);
    }
    await tagStableBase(plan, options.progress);
  } finally {
    await new Promise((r) => log.end(r));
  }
  return built;
}
