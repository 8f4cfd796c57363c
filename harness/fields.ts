// Unknown fields in scenario data are errors, not silently ignored: `slo:` typed for `slos:` or
// `jitter:` for `jitterMs:` would otherwise pass validation and quietly check nothing.

/** One thing wrong with one field of the input, named by its path ('faults[0].edge') and said in words. */
export interface FieldProblem {
  field: string;
  text: string;
}
export type UnknownField = FieldProblem;

/** Input that failed validation: every problem found, each a line naming the file and the field. */
export class InputProblems extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(problems.join('\n'));
    this.name = new.target.name;
    this.problems = problems;
  }
}

/** One problem per key of `value` that is not in `allowed`, suggesting the closest allowed key. */
export function unknownFields(value: Record<string, unknown>, allowed: readonly string[], what: string): UnknownField[] {
  return Object.keys(value)
    .filter((key) => !allowed.includes(key))
    .map((key) => {
      const near = closest(key, allowed);
      return { field: key, text: `is not a field of ${what}${near ? ` (did you mean ${near}?)` : ''}; fields are: ${allowed.join(', ')}` };
    });
}

/** The allowed name within a small edit distance of `key`, if any. */
function closest(key: string, allowed: readonly string[]): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const name of allowed) {
    const distance = editDistance(key.toLowerCase(), name.toLowerCase());
    if (distance <= Math.max(1, Math.floor(name.length / 3)) && (best === undefined || distance < best.distance)) best = { name, distance };
  }
  return best?.name;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++)
      current[j] = Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = current;
  }
  return previous[b.length] as number;
}
