// Environment variables are edited as NAME=value lines.

export interface VariablePair {
  name: string;
  value: string;
}

/** The variables as NAME=value lines, sorted by name as the API returns them. */
export function variableLines(vars: ReadonlyArray<VariablePair>): string {
  return vars.map((v) => `${v.name}=${v.value}`).join('\n');
}

/** Parses NAME=value lines (blank lines skipped; the value may hold "="), or says which line is wrong. */
export function parseVariableLines(text: string): { variables: VariablePair[]; error?: string } {
  const variables: VariablePair[] = [];
  const seen = new Set<string>();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '') continue;
    const eq = line.indexOf('=');
    if (eq <= 0) return { variables, error: `line ${i + 1}: write NAME=value` };
    const name = line.slice(0, eq).trim();
    if (!/^[A-Za-z0-9_-]+$/.test(name)) return { variables, error: `line ${i + 1}: ${name} may hold only letters, digits, _ and -` };
    if (seen.has(name)) return { variables, error: `line ${i + 1}: ${name} is set twice` };
    seen.add(name);
    variables.push({ name, value: lines[i].slice(lines[i].indexOf('=') + 1) });
  }
  return { variables };
}

/** The environment names a run can pick, for the Run button's menu. */
export function environmentOptions(envs: ReadonlyArray<{ name: string; shared: boolean }>): { value: string; label: string }[] {
  return envs.map((e) => ({ value: e.name, label: e.shared ? `${e.name} (shared)` : e.name }));
}
