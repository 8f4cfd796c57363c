// What an image named by FAULTLINE_IMAGE_<PART> (instead of faultline's own) is given, or must
// have, so that the official images can stand in: the official `postgres` image makes its cluster
// at first start from POSTGRES_* variables and prints the ready line twice (its init server, then
// the real one); the official Toxiproxy image lacks faultline's toxics (byte_counter, packet_loss),
// which every toxic fault needs, so an override is checked for them before any fault runs.

import { HarnessError } from '../paths.ts';
import { POSTGRES_PORT } from './docker-layout.ts';
import { addToxic, removeToxic, type ToxicSpec } from './toxiproxy.ts';

/** The `faultline` superuser and database the services use, reachable without a password. */
export const POSTGRES_OVERRIDE_ENV: Readonly<Record<string, string>> = {
  POSTGRES_HOST_AUTH_METHOD: 'trust',
  POSTGRES_USER: 'faultline',
  POSTGRES_DB: 'faultline',
};

/** Ready once the real server takes TCP connections for faultline (the init server listens on a socket only). */
export const POSTGRES_OVERRIDE_READY = `pg_isready -h 127.0.0.1 -p ${POSTGRES_PORT} -U faultline -d faultline`;

/** faultline's toxics (tools/toxiproxy), each with attributes that change nothing. */
const FAULTLINE_TOXICS: ToxicSpec[] = [
  { name: 'faultline-image-check-byte_counter', type: 'byte_counter', attributes: { tag: 'faultline-image-check' } },
  { name: 'faultline-image-check-packet_loss', type: 'packet_loss', attributes: { loss_rate: 0 } },
];

/**
 * Adds and removes each of faultline's toxics on `proxy`; throws a HarnessError naming the variable,
 * the image and what is missing when the server does not know one.
 */
export async function requireFaultlineToxics(toxiproxyUrl: string, proxy: string, image: string, variable = 'FAULTLINE_IMAGE_TOXIPROXY'): Promise<void> {
  const missing: string[] = [];
  for (const toxic of FAULTLINE_TOXICS) {
    try {
      await addToxic(toxiproxyUrl, proxy, toxic);
      await removeToxic(toxiproxyUrl, proxy, toxic.name);
    } catch (error) {
      missing.push(`${toxic.type} (${(error as Error).message.split('\n')[0]})`);
    }
  }
  if (missing.length === 0) return;
  throw new HarnessError(
    `${variable}=${image} lacks faultline's toxics: ${missing.join('; ')}. Every toxic fault needs byte_counter: build that image from tools/toxiproxy (see tools/toxiproxy/README.md; \`npm run setup\` builds faultline/toxiproxy from it), or unset ${variable}`,
  );
}
