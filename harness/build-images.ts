// The set-up (`npm run setup`, `npx faultline setup`) runs this to build the docker runtime's images (see harness/runtime/images.ts).
// Prints one line per image: built (with its time) or up to date. Exit 1 when a build failed.

import { ensureImages } from './runtime/image-build.ts';
import { planImages } from './runtime/images.ts';

const say = (line: string): void => void process.stdout.write(`setup: images: ${line}\n`);
const t0 = performance.now();
try {
  const plan = await planImages();
  const built = await ensureImages(plan, { progress: say, buildBase: true });
  say(built.length === 0 ? 'all up to date' : `built ${built.join(', ')} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
} catch (error) {
  process.stderr.write(`setup: images: ${(error as Error).message}\n`);
  process.exitCode = 1;
}
