// Import warnings arrive one line each, prefixed with the request they are about
// in the importer's own form; grouping them by that prefix lets the user fix one
// request at a time.

export type WarningGroup = {
  /** The request the warnings are about ("Folder / Request", "GET /pets", "entry 3 (GET …)"), or null for the whole file. */
  request: string | null;
  warnings: string[];
};

const labelled = [/^(entry \d+ \(.*?\)): (.*)$/s, /^(curl command \d+): (.*)$/s, /^((?:GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) \S+): (.*)$/s];

/** splitWarning separates the request label from the message; request is null when the warning names none. */
export function splitWarning(w: string): { request: string | null; message: string } {
  if (w.startsWith('"')) {
    // Postman: a Go-quoted request path, then ": ".
    let label = '';
    for (let i = 1; i < w.length; i++) {
      const c = w[i];
      if (c === '\\' && i + 1 < w.length) {
        label += w[i + 1];
        i++;
      } else if (c === '"') {
        if (w.startsWith(': ', i + 1)) return { request: label, message: w.slice(i + 3) };
        break;
      } else {
        label += c;
      }
    }
    return { request: null, message: w };
  }
  for (const re of labelled) {
    const m = re.exec(w);
    if (m) return { request: m[1], message: m[2] };
  }
  return { request: null, message: w };
}

/** groupWarnings groups warnings by request in the order requests first appear; the whole-file group comes first. */
export function groupWarnings(warnings: string[]): WarningGroup[] {
  const groups = new Map<string | null, string[]>();
  groups.set(null, []);
  for (const w of warnings) {
    const { request, message } = splitWarning(w);
    const list = groups.get(request);
    if (list) list.push(message);
    else groups.set(request, [message]);
  }
  return [...groups].filter(([, ws]) => ws.length > 0).map(([request, ws]) => ({ request, warnings: ws }));
}
