// The `@<<…>>` reference language as the editor sees it: parsing (the same rules
// as internal/collection/reference.go), checking whether a reference can resolve
// before a step runs, and completion while the user types. Pure functions only, so
// they are tested on their own (references.test.ts).

export const REF_OPEN = '@<<';
export const REF_CLOSE = '>>';
export const BUILTINS = ['$uuid', '$timestamp', '$isoTimestamp', '$randomInt'] as const;
export const STEP_PARTS = ['body', 'headers', 'status', 'latency', 'extracted'] as const;
export type StepPart = (typeof STEP_PARTS)[number];

export type Reference =
  | { kind: 'step'; step: string; part: StepPart; name: string }
  | { kind: 'vars' | 'secrets' | 'env'; name: string }
  | { kind: 'builtin'; name: string };

/** One `@<<…>>` found in a field, with its place in the text. */
export interface FoundReference {
  raw: string;
  start: number; // offset of "@<<"
  end: number; // offset just after ">>", or the end of the text when unclosed
  ref: Reference | null;
  error: string | null;
}

/** A reference that cannot resolve, with the span to underline. */
export interface ReferenceProblem {
  start: number;
  end: number;
  raw: string;
  message: string;
  /** error: the save is refused; warning: the last run's response disagrees. */
  severity: 'error' | 'warning';
}

/** What the last run of a step returned, used for completion and hints. */
export interface StepResponse {
  status: number | null;
  latencyMs: number | null;
  headers: Record<string, string>;
  body: string | null;
}

/** The collection as far as references care. */
export interface ReferenceContext {
  /** extracts: the names a browser step's extract actions keep; absent for an HTTP step. */
  steps: ReadonlyArray<{ name: string; extracts?: ReadonlyArray<string> }>;
  /** Index (0-based) of the step whose field is being edited. */
  index: number;
  variables: Record<string, string>;
  secretNames: ReadonlyArray<string>;
  /** The last run's responses, by step name; absent steps did not run. */
  lastRun?: Record<string, StepResponse>;
}

const STEP_NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;
const KEY = /^[A-Za-z0-9_-]+$/;

export function isValidStepName(s: string): boolean {
  return s.length > 0 && s.length <= 200 && STEP_NAME.test(s);
}

/** Parses the inside of `@<<…>>`, e.g. "login.body.token". */
export function parseReference(inner: string): Reference | { error: string } {
  const s = inner.trim();
  if (s === '') return { error: 'empty reference' };
  if (s.startsWith('$')) {
    if ((BUILTINS as ReadonlyArray<string>).includes(s)) return { kind: 'builtin', name: s };
    return { error: `unknown built-in "${s}"; built-ins: ${BUILTINS.join(', ')}` };
  }
  const dot = s.indexOf('.');
  const head = dot < 0 ? s : s.slice(0, dot);
  const tail = dot < 0 ? '' : s.slice(dot + 1);
  if (head === 'vars' || head === 'secrets' || head === 'env') {
    if (dot < 0 || !KEY.test(tail) || tail.length > 200) {
      return { error: `${head} needs a name: write ${head}.NAME` };
    }
    return { kind: head, name: tail };
  }
  if (!isValidStepName(head)) {
    return { error: `"${head}" is not a step name, vars, secrets, env or a built-in` };
  }
  if (dot < 0) {
    return { error: `reference to step "${head}" needs a part: body, headers.NAME, status or latency` };
  }
  const dot2 = tail.indexOf('.');
  const part = dot2 < 0 ? tail : tail.slice(0, dot2);
  const name = dot2 < 0 ? '' : tail.slice(dot2 + 1);
  switch (part) {
    case 'body':
      return { kind: 'step', step: head, part, name };
    case 'headers':
      if (name === '') return { error: `headers needs a header name: write ${head}.headers.NAME` };
      return { kind: 'step', step: head, part, name };
    case 'extracted':
      if (!KEY.test(name) || name.length > 200) return { error: `extracted needs the name of an extract action: write ${head}.extracted.NAME` };
      return { kind: 'step', step: head, part, name };
    case 'status':
    case 'latency':
      if (name !== '') return { error: `${part} has no fields (found "${name}" after it)` };
      return { kind: 'step', step: head, part, name };
    default:
      return { error: `unknown part "${part}" of step "${head}"; use body, headers, status or latency` };
  }
}

/** Every `@<<…>>` in text, in order; an unclosed one ends the scan. */
export function findReferences(text: string): FoundReference[] {
  const out: FoundReference[] = [];
  let from = 0;
  for (;;) {
    const start = text.indexOf(REF_OPEN, from);
    if (start < 0) return out;
    const close = text.indexOf(REF_CLOSE, start + REF_OPEN.length);
    if (close < 0) {
      const raw = text.slice(start);
      out.push({ raw, start, end: text.length, ref: null, error: `unclosed reference "${truncate(raw, 40)}": add "${REF_CLOSE}" at its end` });
      return out;
    }
    const end = close + REF_CLOSE.length;
    const raw = text.slice(start, end);
    const parsed = parseReference(text.slice(start + REF_OPEN.length, close));
    if ('error' in parsed) out.push({ raw, start, end, ref: null, error: `${parsed.error} in ${raw}` });
    else out.push({ raw, start, end, ref: parsed, error: null });
    from = end;
  }
}

/** Finds the step a reference names, by name or by "stepN" (1-based); -1 when none. */
export function stepIndex(steps: ReadonlyArray<{ name: string }>, name: string): number {
  const byName = steps.findIndex((s) => s.name === name);
  if (byName >= 0) return byName;
  const m = /^step([1-9][0-9]*)$/.exec(name);
  if (m) {
    const pos = Number(m[1]);
    if (pos >= 1 && pos <= steps.length) return pos - 1;
  }
  return -1;
}

function listOrNone(xs: ReadonlyArray<string>): string {
  return xs.length === 0 ? 'none' : xs.join(', ');
}

function earlierNames(ctx: ReferenceContext): string[] {
  return ctx.steps.slice(0, Math.max(0, ctx.index)).map((s) => s.name);
}

/**
 * Why a parsed reference cannot resolve before step ctx.index runs, or null.
 * Errors match the server's save-time check; warnings compare with the last run.
 */
export function unresolvable(ref: Reference, raw: string, ctx: ReferenceContext): { message: string; severity: 'error' | 'warning' } | null {
  switch (ref.kind) {
    case 'vars':
      if (!(ref.name in ctx.variables)) {
        return { severity: 'error', message: `unknown variable "${ref.name}" in ${raw}; variables: ${listOrNone(Object.keys(ctx.variables).sort())}` };
      }
      return null;
    case 'secrets':
      if (!ctx.secretNames.includes(ref.name)) {
        return { severity: 'error', message: `unknown secret "${ref.name}" in ${raw}; secrets: ${listOrNone([...ctx.secretNames].sort())}` };
      }
      return null;
    case 'env':
    case 'builtin':
      return null;
    case 'step': {
      const j = stepIndex(ctx.steps, ref.step);
      const earlier = listOrNone(earlierNames(ctx));
      if (j < 0) return { severity: 'error', message: `unknown step '${ref.step}' in ${raw}; earlier steps: ${earlier}` };
      if (j === ctx.index) return { severity: 'error', message: `step '${ref.step}' refers to itself in ${raw}; a reference can only use earlier steps` };
      if (j > ctx.index) {
        return {
          severity: 'error',
          message: `step ${ctx.index + 1} refers to step ${j + 1} ('${ctx.steps[j].name}'), which runs later, in ${raw}; earlier steps: ${earlier}`,
        };
      }
      if (ref.part === 'extracted') {
        const s = ctx.steps[j];
        if (s.extracts === undefined) return { severity: 'error', message: `step '${s.name}' is an HTTP step and extracts nothing in ${raw}; use ${ref.step}.body.PATH` };
        if (!s.extracts.includes(ref.name)) {
          return { severity: 'error', message: `step '${s.name}' extracts no value named "${ref.name}" in ${raw}; it extracts: ${listOrNone([...s.extracts])}` };
        }
        return null;
      }
      const res = ctx.lastRun?.[ctx.steps[j].name];
      if (!res) return null;
      if (ref.part === 'headers') {
        const has = Object.keys(res.headers).some((h) => h.toLowerCase() === ref.name.toLowerCase());
        if (!has) return { severity: 'warning', message: `in the last run, '${ctx.steps[j].name}' answered without a ${ref.name} header` };
      }
      if (ref.part === 'body' && ref.name !== '') {
        const body = parseJSON(res.body);
        if (body === undefined) return { severity: 'warning', message: `in the last run, the body of '${ctx.steps[j].name}' was not JSON, so ${ref.name} cannot be read` };
        if (getPath(body, ref.name) === undefined) {
          const fields = isObject(body) ? Object.keys(body).slice(0, 8) : [];
          return { severity: 'warning', message: `in the last run, the body of '${ctx.steps[j].name}' had no "${ref.name}"; fields: ${listOrNone(fields)}` };
        }
      }
      return null;
    }
  }
}

/** Every problem with the references in one field of step ctx.index. */
export function referenceProblems(text: string, ctx: ReferenceContext): ReferenceProblem[] {
  return findReferences(text).flatMap((f): ReferenceProblem[] => {
    if (f.error !== null || f.ref === null) {
      return [{ start: f.start, end: f.end, raw: f.raw, message: f.error ?? 'invalid reference', severity: 'error' }];
    }
    const why = unresolvable(f.ref, f.raw, ctx);
    return why ? [{ start: f.start, end: f.end, raw: f.raw, ...why }] : [];
  });
}

// ---- JSON paths (the subset of gjson the editor needs) ----

export type JSONValue = string | number | boolean | null | JSONValue[] | { [k: string]: JSONValue };

function isObject(v: JSONValue | undefined): v is { [k: string]: JSONValue } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function parseJSON(text: string | null): JSONValue | undefined {
  if (text === null || text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as JSONValue;
  } catch {
    return undefined;
  }
}

/** Splits a gjson-style path on dots not escaped with a backslash. */
export function splitPath(path: string): string[] {
  const parts: string[] = [];
  let cur = '';
  for (let i = 0; i < path.length; i++) {
    const c = path[i];
    if (c === '\\' && i + 1 < path.length) {
      cur += path[++i];
    } else if (c === '.') {
      parts.push(cur);
      cur = '';
    } else cur += c;
  }
  parts.push(cur);
  return parts;
}

function escapeKey(k: string): string {
  return k.replace(/[.\\*?#|@]/g, (c) => `\\${c}`);
}

/** Reads a gjson-style path ("user.id", "items.0.name", "roles.#") from v. */
export function getPath(v: JSONValue, path: string): JSONValue | undefined {
  let cur: JSONValue | undefined = v;
  for (const p of splitPath(path)) {
    if (cur === undefined) return undefined;
    if (Array.isArray(cur)) {
      if (p === '#') cur = cur.length;
      else if (/^\d+$/.test(p)) cur = cur[Number(p)];
      else return undefined;
    } else if (isObject(cur)) {
      cur = Object.prototype.hasOwnProperty.call(cur, p) ? cur[p] : undefined;
    } else return undefined;
  }
  return cur;
}

/** A short, one-line rendering of a value for the completion list. */
export function preview(v: JSONValue | undefined, max = 40): string {
  if (v === undefined) return '';
  if (Array.isArray(v)) return `array (${v.length})`;
  if (isObject(v)) return `object {${Object.keys(v).slice(0, 3).join(', ')}${Object.keys(v).length > 3 ? ', …' : ''}}`;
  return truncate(JSON.stringify(v), max);
}

function truncate(s: string, n: number): string {
  return s.length <= n ? s : `${s.slice(0, n - 1)}…`;
}

// ---- completion ----

/** Where the cursor is inside an unfinished `@<<`, and what was typed after it. */
export interface CompletionTrigger {
  /** Offset of "@<<". */
  start: number;
  /** Offset where the reference's text ends: the cursor, or just after a ">>" that already closes it. */
  end: number;
  /** What was typed between "@<<" and the cursor. */
  prefix: string;
}

/** Returns the reference being typed at cursor, or null when the cursor is not inside one. */
export function completionTrigger(text: string, cursor: number): CompletionTrigger | null {
  const before = text.slice(0, cursor);
  const start = before.lastIndexOf(REF_OPEN);
  if (start < 0) return null;
  const prefix = before.slice(start + REF_OPEN.length);
  if (prefix.includes(REF_CLOSE) || /\s/.test(prefix)) return null;
  // When the reference is already closed after the cursor, replace up to and including ">>".
  const after = text.slice(cursor);
  const m = /^[A-Za-z0-9_.$#\\-]*>>/.exec(after);
  return { start, end: m ? cursor + m[0].length : cursor, prefix };
}

export interface Completion {
  /** The text shown in the list. */
  label: string;
  /** The whole reference inside @<<…>> after choosing it. */
  value: string;
  /** The value from the last run, or a hint. */
  detail: string;
  /** A partial value goes on completing (e.g. "login." → parts); a full one closes with ">>". */
  partial: boolean;
  group: 'step' | 'part' | 'field' | 'header' | 'variable' | 'secret' | 'builtin';
}

function startsWithCI(s: string, p: string): boolean {
  return s.toLowerCase().startsWith(p.toLowerCase());
}

/** Flattens a JSON value into gjson paths with their values, breadth-first, capped. */
export function jsonPaths(v: JSONValue, limit = 200): Array<{ path: string; value: JSONValue }> {
  const out: Array<{ path: string; value: JSONValue }> = [];
  const queue: Array<{ path: string; value: JSONValue }> = [];
  const push = (path: string, value: JSONValue) => {
    out.push({ path, value });
    queue.push({ path, value });
  };
  const expand = (base: string, value: JSONValue) => {
    const join = (k: string) => (base === '' ? k : `${base}.${k}`);
    if (Array.isArray(value)) {
      push(join('#'), value.length);
      value.slice(0, 3).forEach((item, i) => push(join(String(i)), item));
    } else if (isObject(value)) {
      Object.entries(value).forEach(([k, item]) => push(join(escapeKey(k)), item));
    }
  };
  expand('', v);
  while (queue.length > 0 && out.length < limit) {
    const next = queue.shift();
    if (next && (Array.isArray(next.value) || isObject(next.value))) expand(next.path, next.value);
  }
  return out.slice(0, limit);
}

/**
 * Suggestions for what was typed after "@<<": earlier steps first, then vars,
 * secrets and built-ins; after "STEP." its parts with the last run's values;
 * after "STEP.body." or "STEP.headers." the fields and headers the last
 * response actually had, each with its value.
 */
export function completions(prefix: string, ctx: ReferenceContext): Completion[] {
  const earlier = ctx.steps.slice(0, Math.max(0, ctx.index));
  const dot = prefix.indexOf('.');
  if (dot < 0) {
    const stepItems: Completion[] = earlier
      .filter((s) => isValidStepName(s.name) && startsWithCI(s.name, prefix))
      .map((s, i) => ({ label: s.name, value: `${s.name}.`, detail: `step ${i + 1}`, partial: true, group: 'step' }));
    const scopes: Completion[] = [
      { label: 'vars', value: 'vars.', detail: `${Object.keys(ctx.variables).length} variables`, partial: true, group: 'variable' },
      { label: 'secrets', value: 'secrets.', detail: `${ctx.secretNames.length} secrets`, partial: true, group: 'secret' },
      { label: 'env', value: 'env.', detail: 'runner environment', partial: true, group: 'variable' },
    ];
    const builtins: Completion[] = BUILTINS.map((b) => ({ label: b, value: b, detail: 'built-in', partial: false, group: 'builtin' }));
    return [...stepItems, ...scopes.filter((s) => startsWithCI(s.label, prefix)), ...builtins.filter((b) => startsWithCI(b.label, prefix))];
  }
  const head = prefix.slice(0, dot);
  const rest = prefix.slice(dot + 1);
  if (head === 'vars') {
    return Object.entries(ctx.variables)
      .filter(([k]) => startsWithCI(k, rest))
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => ({ label: k, value: `vars.${k}`, detail: truncate(v, 40), partial: false, group: 'variable' }));
  }
  if (head === 'secrets') {
    return [...ctx.secretNames]
      .filter((k) => startsWithCI(k, rest))
      .sort()
      .map((k) => ({ label: k, value: `secrets.${k}`, detail: '••••', partial: false, group: 'secret' }));
  }
  if (head === 'env') return [];
  const j = stepIndex(ctx.steps, head);
  if (j < 0 || j >= ctx.index) return [];
  const stepName = head;
  const res = ctx.lastRun?.[ctx.steps[j].name];
  const dot2 = rest.indexOf('.');
  if (dot2 < 0) {
    const body = res ? parseJSON(res.body) : undefined;
    const parts: Completion[] = [
      { label: 'body', value: `${stepName}.body.`, detail: res ? preview(body ?? res.body ?? undefined) : 'response body (JSON path)', partial: true, group: 'part' },
      { label: 'headers', value: `${stepName}.headers.`, detail: res ? `${Object.keys(res.headers).length} headers` : 'response header', partial: true, group: 'part' },
      { label: 'status', value: `${stepName}.status`, detail: res?.status != null ? String(res.status) : 'status code', partial: false, group: 'part' },
      { label: 'latency', value: `${stepName}.latency`, detail: res?.latencyMs != null ? `${res.latencyMs} ms` : 'milliseconds', partial: false, group: 'part' },
    ];
    return parts.filter((p) => startsWithCI(p.label, rest));
  }
  const part = rest.slice(0, dot2);
  const field = rest.slice(dot2 + 1);
  if (!res) return [];
  if (part === 'headers') {
    return Object.entries(res.headers)
      .filter(([k]) => startsWithCI(k, field))
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => ({ label: k, value: `${stepName}.headers.${k}`, detail: truncate(v, 40), partial: false, group: 'header' }));
  }
  if (part === 'body') {
    const body = parseJSON(res.body);
    if (body === undefined) return [];
    return jsonPaths(body)
      .filter((p) => startsWithCI(p.path, field))
      .map((p) => ({ label: p.path, value: `${stepName}.body.${p.path}`, detail: preview(p.value), partial: false, group: 'field' }));
  }
  return [];
}

/**
 * The field's new text and cursor after choosing a completion. A full choice
 * closes the reference with ">>"; a partial one ("login.") leaves the cursor after
 * it so completion goes on, keeping a ">>" that already followed.
 */
export function applyCompletion(text: string, trigger: CompletionTrigger, item: Completion): { text: string; cursor: number } {
  const cursorAt = trigger.start + REF_OPEN.length + trigger.prefix.length;
  const wasClosed = trigger.end > cursorAt;
  const head = `${REF_OPEN}${item.value}`;
  const tail = item.partial && !wasClosed ? '' : REF_CLOSE;
  return { text: text.slice(0, trigger.start) + head + tail + text.slice(trigger.end), cursor: trigger.start + head.length + (item.partial ? 0 : tail.length) };
}
