// The images the docker runtime runs, built without any image registry: a Debian base made with
// debootstrap and `docker import`, then one small `docker build` per part on top of it. Each tag
// is a content hash of what goes into the image (the base's package list, the Dockerfile, the
// bytes of the files copied in), so a second build of unchanged inputs finds the tag and does
// nothing, and a changed input (a rebuilt toxiproxy-server, another Node) gets a new tag.
// A user with a registry may run other images instead: FAULTLINE_IMAGE_<PART> (see README).

import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readFileSync, realpathSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheRoot, toolPath } from '../tools.ts';
import { findNode } from './binaries.ts';
import { POSTGRES_PORT, REDIS_PORT, TOXIPROXY_API_PORT } from './docker-layout.ts';

export const IMAGE_PARTS = ['postgres', 'redis', 'toxiproxy', 'node'] as const;
export type ImagePart = (typeof IMAGE_PARTS)[number];

export const BASE_SUITE = 'bookworm';
/**
 * what every image is made from; one base keeps the layers shared (about 480 MB on disk, once).
 * Python with Flask, waitress, psycopg2 and redis is there for the foreign example (examples/notes), whose
 * Dockerfile builds FROM the base's stable tag, since no registry can give it a Python image.
 */
export const BASE_PACKAGES = [
  'postgresql-15',
  'redis-server',
  'libstdc++6',
  'iproute2',
  'iptables',
  'procps',
  'ca-certificates',
  'python3-flask',
  'python3-psycopg2',
  'python3-redis',
  'python3-waitress',
] as const;
/** the base under a name a team's Dockerfile can build FROM: it follows the base whenever that is rebuilt */
export const BASE_STABLE_TAG = 'faultline/debian:bookworm';
export const IMAGE_REPOSITORY = 'faultline';
/** label on every image faultline builds: which part it is, and the hash its tag is made of */
export const IMAGE_PART_LABEL = 'faultline.image';
export const IMAGE_HASH_LABEL = 'faultline.content-hash';
export const IMAGE_VERSION_LABEL = 'faultline.version';
/** the checkout that built it: a rebuild prunes only its own older tags, never another checkout's */
export const IMAGE_CHECKOUT_LABEL = 'faultline.image-checkout';

/** what the last image build recorded (per user: images are per engine, shared by every project) */
export const IMAGE_MANIFEST = join(cacheRoot(), 'images.json');

interface Recipe {
  /** files copied into the build context, by name in the context */
  files: Record<string, string>;
  dockerfile(base: string): string;
  /**
   * how the part's version is read at build time (stored as a label for result.json): a shell
   * command run in the base image, or the argv of a binary on the host that is copied in
   */
  version: { inBase: string } | { host: string[] };
}

/** the Node 24 faultline runs its services on (this one, or the one it brings), as a file */
const NODE_BINARY = (): string => realpathSync(findNode());

const RECIPES: Record<ImagePart, () => Recipe> = {
  // A cluster made at build time with the faultline role and database, trusting the network:
  // a container is ready about a second after it starts. fsync is off (only a host crash could
  // lose what the page cache holds), but commits stay synchronous, as on the local runtime: with
  // synchronous_commit off, a killed container lost orders it had acknowledged (postgres-down).
  postgres: () => ({
    files: {},
    version: { inBase: "/usr/lib/postgresql/15/bin/postgres --version | sed -E 's/^[^)]*\\) ([^ ]+).*/\\1/'" },
    dockerfile: (base) => `FROM ${base}
ENV PATH=/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin PGDATA=/var/lib/faultline/pgdata
RUN install -d -o postgres -g postgres -m 700 "$PGDATA"
USER postgres
RUN initdb -D "$PGDATA" -U postgres -A trust -E UTF8 --locale=C --no-sync --no-instructions \\
 && echo "host all all all trust" >> "$PGDATA/pg_hba.conf" \\
 && printf "listen_addresses = '*'\\nunix_socket_directories = '/tmp'\\nfsync = off\\nfull_page_writes = off\\nshared_buffers = 32MB\\n" >> "$PGDATA/postgresql.conf" \\
 && pg_ctl -D "$PGDATA" -o "-c listen_addresses=''" -w start \\
 && psql -h /tmp -U postgres -d postgres -v ON_ERROR_STOP=1 -c "CREATE ROLE faultline LOGIN CREATEDB" -c "CREATE DATABASE faultline OWNER faultline" \\
 && pg_ctl -D "$PGDATA" -m fast -w stop
EXPOSE ${POSTGRES_PORT}
STOPSIGNAL SIGINT
CMD ["postgres"]
`,
  }),
  redis: () => ({
    files: {},
    version: { inBase: "redis-server --version | sed -E 's/.* v=([^ ]+).*/\\1/'" },
    dockerfile: (base) => `FROM ${base}
USER redis
WORKDIR /tmp
EXPOSE ${REDIS_PORT}
CMD ["redis-server", "--port", "${REDIS_PORT}", "--bind", "0.0.0.0", "--protected-mode", "no", "--save", "", "--appendonly", "no", "--dir", "/tmp"]
`,
  }),
  // The server setup built (Shopify/toxiproxy + faultline's packet_loss toxic), laid out like the
  // official image (ENTRYPOINT /toxiproxy), so either takes the same arguments.
  toxiproxy: () => ({
    files: { toxiproxy: toolPath('toxiproxy-server') },
    version: { host: [toolPath('toxiproxy-server'), '-version'] },
    dockerfile: (base) => `FROM ${base}
COPY toxiproxy /toxiproxy
USER nobody
EXPOSE ${TOXIPROXY_API_PORT}
ENTRYPOINT ["/toxiproxy"]
CMD ["-host=0.0.0.0"]
`,
  }),
  // The project's own Node (24, type stripping); the services' code and node_modules are not in
  // the image: the checkout is bind-mounted read-only at /app, so editing a service needs no build.
  node: () => ({
    files: { node: NODE_BINARY() },
    version: { host: [NODE_BINARY(), '--version'] },
    dockerfile: (base) => `FROM ${base}
COPY node /usr/local/bin/node
USER nobody
WORKDIR /app
ENV HOME=/tmp TMPDIR=/tmp NODE_ENV=production
`,
  }),
};

export interface ImageRef {
  part: ImagePart | 'base';
  /** repository:tag */
  ref: string;
  /** set when the user named the image (FAULTLINE_IMAGE_<PART>): never built, never checked */
  override: boolean;
}

export interface PlannedImage extends ImageRef {
  part: ImagePart;
  hash: string;
  dockerfile: string;
  files: Record<string, string>;
  version: Recipe['version'];
}

export interface ImagePlan {
  base: ImageRef & { hash: string };
  images: Record<ImagePart, PlannedImage>;
}

interface FileHash {
  size: number;
  mtimeMs: number;
  sha256: string;
}

export interface ImageManifest {
  /** sha256 of input files, keyed by path, valid while size and mtime match (hashing Node takes 0.6 s) */
  files: Record<string, FileHash>;
  /** how long each build took, for `npm run bench` */
  builds: Record<string, { ref: string; seconds: number; builtAt: string }>;
}

export function readManifest(file = IMAGE_MANIFEST): ImageManifest {
  try {
    const data = JSON.parse(readFileSync(file, 'utf8')) as Partial<ImageManifest>;
    return { files: data.files ?? {}, builds: data.builds ?? {} };
  } catch {
    return { files: {}, builds: {} };
  }
}

export function writeManifest(manifest: ImageManifest, file = IMAGE_MANIFEST): void {
  writeFileSync(`${file}.${process.pid}.tmp`, `${JSON.stringify(manifest, null, 2)}\n`);
  renameSync(`${file}.${process.pid}.tmp`, file);
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function fileHash(path: string, manifest: ImageManifest): Promise<string> {
  const stat = statSync(path);
  const known = manifest.files[path];
  if (known && known.size === stat.size && known.mtimeMs === stat.mtimeMs) return known.sha256;
  const sha256 = await sha256File(path);
  manifest.files[path] = { size: stat.size, mtimeMs: stat.mtimeMs, sha256 };
  return sha256;
}

const short = (hex: string): string => hex.slice(0, 12);
const sha = (text: string): string => createHash('sha256').update(text).digest('hex');

export const overrideVariable = (part: ImagePart): string => `FAULTLINE_IMAGE_${part.toUpperCase()}`;

/**
 * The tag each image must have for the current inputs. Reads (and refreshes) the file-hash cache
 * in the manifest; throws when an input file is missing (run `npm run setup`).
 */
export async function planImages(env: NodeJS.ProcessEnv = process.env): Promise<ImagePlan> {
  const manifest = readManifest();
  const cached = JSON.stringify(manifest.files);
  const baseHash = sha(JSON.stringify({ suite: BASE_SUITE, packages: BASE_PACKAGES, recipe: 2 }));
  const base = { part: 'base' as const, ref: `${IMAGE_REPOSITORY}/base:${short(baseHash)}`, override: false, hash: baseHash };
  const images = {} as Record<ImagePart, PlannedImage>;
  for (const part of IMAGE_PARTS) {
    const recipe = RECIPES[part]();
    const dockerfile = recipe.dockerfile(base.ref);
    const hashes: string[] = [];
    for (const [name, source] of Object.entries(recipe.files)) {
      if (!existsSync(source)) throw new Error(`${source} is missing (it goes into the ${part} image); run \`npm run setup\``);
      hashes.push(`${name}=${await fileHash(source, manifest)}`);
    }
    const hash = sha(JSON.stringify({ dockerfile, files: hashes }));
    const override = env[overrideVariable(part)];
    images[part] = {
      part,
      ref: override || `${IMAGE_REPOSITORY}/${part}:${short(hash)}`,
      override: Boolean(override),
      hash,
      dockerfile,
      files: recipe.files,
      version: recipe.version,
    };
  }
  if (JSON.stringify(manifest.files) !== cached) {
    try {
      writeManifest(manifest);
    } catch {
      // a read-only checkout: hash again next time
    }
  }
  return { base, images };
}
