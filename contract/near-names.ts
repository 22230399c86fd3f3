/** Edits (insert, delete, replace a character) that turn `a` into `b`. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length] as number;
}

/**
 * The names a mistyped `name` may have meant, for an error message: those a few edits away
 * (case ignored) or that it starts. A CLI service name and a context key are checked this way.
 */
export function nearNames(name: string, names: readonly string[], maxEdits = 2): string[] {
  const lower = name.toLowerCase();
  return names.filter((candidate) => {
    const other = candidate.toLowerCase();
    return candidate !== name && (other.startsWith(lower) || editDistance(lower, other) <= maxEdits);
  });
}
