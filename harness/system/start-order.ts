// The order both runtimes start a system's service parts in: waves, each wave calling only parts of
// earlier waves (or dependencies, which start first), so every service finds what it calls running.

import type { System } from './system.ts';

export function startWaves(system: System): string[][] {
  const services = Object.values(system.parts)
    .filter((p) => p.kind === 'service')
    .map((p) => p.name);
  const waves: string[][] = [];
  const placed = new Set<string>();
  let left = [...services];
  while (left.length > 0) {
    const wave = left.filter((s) => system.edges.every((e) => e.from !== s || !services.includes(e.to) || placed.has(e.to)));
    if (wave.length === 0) throw new Error(`service dependency cycle among ${left.join(', ')}`);
    waves.push(wave);
    for (const s of wave) placed.add(s);
    left = left.filter((s) => !wave.includes(s));
  }
  return waves;
}
