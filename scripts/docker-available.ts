// Whether test/docker's tests will run here, by the same check they use (test/docker/engine.ts):
// an engine answers and faultline's images are built. Prints why on one line; exit 0 yes, 1 no.

import { dockerAvailability } from '../harness/runtime/index.ts';

const docker = await dockerAvailability();
process.stdout.write(docker.ok ? `a Docker engine ${docker.version} answers and faultline's images are built\n` : `${docker.why}\n`);
process.exit(docker.ok ? 0 : 1);
