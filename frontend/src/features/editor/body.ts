// JSON bodies with @<<…>> references in them: a syntax check and a formatter that
// leave the references as they are. A reference inside a string literal is text;
// one outside a string stands for a JSON value (the runner inserts JSON there).

const REF = /@<<.*?>>/g;

interface Masked {
  text: string;
  refs: string[];
}

function insideString(text: string, at: number): boolean {
  let inStr = false;
  for (let i = 0; i < at; i++) {
    const c = text[i];
    if (inStr && c === '\\') i++;
    else if (c === '"') inStr = !inStr;
  }
  return inStr;
}

/** Replaces each reference with a JSON-safe placeholder. */
function mask(text: string): Masked {
  const refs: string[] = [];
  const out = text.replace(REF, (raw, offset: number) => {
    const i = refs.push(raw) - 1;
    return insideString(text, offset) ? `__catena_sref_${i}__` : `"__catena_vref_${i}__"`;
  });
  return { text: out, refs };
}

function unmask(text: string, refs: string[]): string {
  return text
    .replace(/"__catena_vref_(\d+)__"/g, (_, i: string) => refs[Number(i)])
    .replace(/__catena_sref_(\d+)__/g, (_, i: string) => refs[Number(i)]);
}

/** Whether a body looks like JSON (so the editor offers the check and Format). */
export function looksLikeJSON(text: string, contentType = ''): boolean {
  if (/json/i.test(contentType)) return true;
  const t = text.trimStart();
  return t.startsWith('{') || t.startsWith('[');
}

function lineCol(text: string, offset: number): { line: number; col: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, col: offset - before.lastIndexOf('\n') };
}

export type BodyCheck = { ok: true } | { ok: false; message: string; line: number | null; col: number | null };

/** Checks a JSON body's syntax, references allowed; the message names line and column. */
export function checkJSONBody(text: string): BodyCheck {
  if (text.trim() === '') return { ok: true };
  const m = mask(text);
  try {
    JSON.parse(m.text);
    return { ok: true };
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    const pos = /position (\d+)/.exec(msg);
    const lc = /line (\d+) column (\d+)/.exec(msg);
    // Positions are in the masked text; map back by undoing the placeholders before it.
    let line: number | null = null;
    let col: number | null = null;
    if (lc) {
      line = Number(lc[1]);
      col = Number(lc[2]);
    } else if (pos) {
      const offset = unmask(m.text.slice(0, Number(pos[1])), m.refs).length;
      ({ line, col } = lineCol(text, offset));
    }
    const reason = msg.replace(/\s*(in JSON )?at position \d+.*$/s, '').replace(/^JSON\.parse: /, '');
    return { ok: false, message: line !== null ? `invalid JSON at line ${line}, column ${col}: ${reason}` : `invalid JSON: ${reason}`, line, col };
  }
}

/** Pretty-prints a JSON body with two-space indents, keeping references; null when it is not valid JSON. */
export function formatJSONBody(text: string): string | null {
  const m = mask(text);
  try {
    return unmask(JSON.stringify(JSON.parse(m.text), null, 2), m.refs);
  } catch {
    return null;
  }
}
