// Suggestions for a monitor's locations: "local" (the built-in runner) and
// every location the server knows (named by a monitor or a queued run).

export const LOCAL = 'local';

/** Known location names not yet picked: "local" first, then by name. */
export function locationSuggestions(known: ReadonlyArray<string>, picked: ReadonlyArray<string>): string[] {
  const taken = new Set(picked);
  const names = new Set([LOCAL, ...known.map((n) => n.trim()).filter((n) => n !== '')]);
  return [...names].filter((n) => !taken.has(n)).sort((a, b) => (a === LOCAL ? -1 : b === LOCAL ? 1 : a.localeCompare(b)));
}
