// Turning GraphQL errors into what a form shows: a message per field (from the
// gateway's extensions.fields) and one line for everything else.
import type { CombinedError } from 'urql';

export interface FieldError {
  path: string;
  message: string;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The per-field errors of a failed mutation, keyed by field path as the server
 * names it ("steps.0.url", "schedule", "email"). The gateway puts them in
 * extensions.fields as [{path, message}] (or a {path: message} map).
 */
export function fieldErrors(error: CombinedError | undefined | null): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of error?.graphQLErrors ?? []) {
    const fields = e.extensions?.fields;
    if (Array.isArray(fields)) {
      for (const f of fields) {
        if (isRecord(f) && typeof f.path === 'string' && typeof f.message === 'string') {
          out[f.path] = out[f.path] ? `${out[f.path]}; ${f.message}` : f.message;
        }
      }
    } else if (isRecord(fields)) {
      for (const [k, v] of Object.entries(fields)) if (typeof v === 'string') out[k] = v;
    }
  }
  return out;
}

/** One line for the user; field errors are left to their fields when `withoutFields`. */
export function errorMessage(error: CombinedError | undefined | null, withoutFields = false): string | null {
  if (!error) return null;
  if (error.networkError) return `Cannot reach the Catena server: ${error.networkError.message}`;
  const msgs = error.graphQLErrors
    .filter((e) => !(withoutFields && e.extensions?.fields))
    .map((e) => e.message);
  if (msgs.length === 0) return withoutFields ? null : error.message.replace(/^\[GraphQL\] /, '');
  return Array.from(new Set(msgs)).join('; ');
}

/** The error code the gateway sets (UNAUTHENTICATED, FORBIDDEN, NOT_FOUND, …). */
export function errorCode(error: CombinedError | undefined | null): string | null {
  for (const e of error?.graphQLErrors ?? []) {
    const code = e.extensions?.code;
    if (typeof code === 'string') return code;
  }
  return null;
}

/** Field errors whose path starts with prefix, with the prefix removed. */
export function under(errors: Record<string, string>, prefix: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(errors)) {
    if (k === prefix) out[''] = v;
    else if (k.startsWith(`${prefix}.`)) out[k.slice(prefix.length + 1)] = v;
  }
  return out;
}

/**
 * Every message of a failed request that no field of the form shows: network
 * errors, errors without field paths, and field errors whose path is not one
 * the form places (`placed` returns true for paths it renders on a field).
 * A form shows these above itself, so no server error is ever swallowed.
 */
export function unplacedErrors(error: CombinedError | undefined | null, placed: (path: string) => boolean): string[] {
  if (!error) return [];
  if (error.networkError) return [`Cannot reach the Catena server: ${error.networkError.message}`];
  const out: string[] = [];
  for (const e of error.graphQLErrors) {
    const fields = e.extensions?.fields;
    const list: Array<{ path: string; message: string }> = [];
    if (Array.isArray(fields)) {
      for (const f of fields) if (isRecord(f) && typeof f.path === 'string' && typeof f.message === 'string') list.push({ path: f.path, message: f.message });
    } else if (isRecord(fields)) {
      for (const [k, v] of Object.entries(fields)) if (typeof v === 'string') list.push({ path: k, message: v });
    }
    if (list.length === 0) {
      out.push(e.message);
      continue;
    }
    for (const f of list) if (!placed(f.path)) out.push(f.message);
  }
  if (out.length === 0 && error.graphQLErrors.length === 0) out.push(error.message.replace(/^\[GraphQL\] /, ''));
  return Array.from(new Set(out));
}

/** A `placed` predicate for a form whose fields are exactly these paths. */
export function onFields(...paths: string[]): (path: string) => boolean {
  const set = new Set(paths);
  return (p) => set.has(p);
}
