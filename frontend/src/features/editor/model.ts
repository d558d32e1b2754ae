// The editor's working copy of a collection and its conversion to and from the
// API's types. The editor saves the whole collection at once (replaceCollection),
// so reordering, adding and editing steps are plain local changes until Save.
import type { AssertionSource, CollectionInput, Comparison as GqlComparison, RunFieldsFragment, StepInput, StepKind } from '../../gql/graphql';
import { isComparison, isSource, type AssertionDraft } from '../../lib/assertions';
import type { StepResponse } from './references';

export interface KV {
  key: string;
  name: string;
  value: string;
}

export interface StepDraft {
  /** A client-side key, stable across renames and moves (drag and drop needs one). */
  key: string;
  name: string;
  /** http sends a request; browser opens url in Chromium and runs actions. */
  kind: 'http' | 'browser';
  /** A browser step's actions, one JSON object a line ({"click": "#submit"}). */
  actions: string;
  method: string;
  url: string;
  headers: KV[];
  body: string;
  timeout: string; // milliseconds as typed; '' = default
  alwaysRun: boolean;
  continueOnFailure: boolean;
  retry: boolean;
  retryAttempts: string;
  retryIntervalMs: string;
  followRedirects: boolean;
  insecure: boolean;
  assertions: Array<AssertionDraft & { key: string }>;
}

export interface CollectionDraft {
  name: string;
  description: string;
  variables: KV[];
  steps: StepDraft[];
}

let seq = 0;
export function newKey(): string {
  seq += 1;
  return `k${seq}`;
}

export const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] as const;

interface ServerStep {
  name: string;
  kind: StepKind;
  actions: ReadonlyArray<string>;
  method: string;
  url: string;
  headers: ReadonlyArray<{ name: string; value: string }>;
  body: string;
  timeoutMs: number | null;
  alwaysRun: boolean;
  continueOnFailure: boolean;
  followRedirects: boolean;
  insecure: boolean;
  retry: { attempts: number; intervalMs: number } | null;
  assertions: ReadonlyArray<{ source: string; property: string; comparison: string; target: string }>;
}

export function stepFromServer(s: ServerStep): StepDraft {
  return {
    key: newKey(),
    name: s.name,
    kind: s.kind === 'BROWSER' ? 'browser' : 'http',
    actions: s.actions.join('\n'),
    method: s.method,
    url: s.url,
    headers: s.headers.map((h) => ({ key: newKey(), name: h.name, value: h.value })),
    body: s.body,
    timeout: s.timeoutMs != null ? String(s.timeoutMs) : '',
    alwaysRun: s.alwaysRun,
    continueOnFailure: s.continueOnFailure,
    retry: s.retry != null,
    retryAttempts: s.retry ? String(s.retry.attempts) : '5',
    retryIntervalMs: s.retry ? String(s.retry.intervalMs) : '2000',
    followRedirects: s.followRedirects,
    insecure: s.insecure,
    assertions: s.assertions.map((a) => {
      const source = a.source.toLowerCase();
      const comparison = a.comparison.toLowerCase();
      return {
        key: newKey(),
        source: isSource(source) ? source : 'status',
        property: a.property,
        comparison: isComparison(comparison) ? comparison : 'equals',
        target: a.target,
      };
    }),
  };
}

export function newStep(existing: ReadonlyArray<{ name: string }>, base = ''): StepDraft {
  let n = existing.length + 1;
  while (existing.some((s) => s.name === `step${n}`)) n++;
  return {
    key: newKey(),
    name: `step${n}`,
    kind: 'http',
    actions: '',
    method: 'GET',
    url: base,
    headers: [],
    body: '',
    timeout: '',
    alwaysRun: false,
    continueOnFailure: false,
    retry: false,
    retryAttempts: '5',
    retryIntervalMs: '2000',
    followRedirects: true,
    insecure: false,
    assertions: [{ key: newKey(), source: 'status', property: '', comparison: 'equals', target: '200' }],
  };
}

function intOrNull(s: string): number | null {
  const t = s.trim();
  if (t === '' || !/^\d+$/.test(t)) return null;
  return Number(t);
}

/** The non-blank lines of a browser step's actions text, each one action. */
export function actionLines(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
}

/** The names a browser step's extract actions keep, for @<<step.extracted.NAME>>; lines that are not JSON are skipped (the server reports them). */
export function extractNames(s: Pick<StepDraft, 'kind' | 'actions'>): string[] {
  if (s.kind !== 'browser') return [];
  const out: string[] = [];
  for (const line of actionLines(s.actions)) {
    try {
      const a: unknown = JSON.parse(line);
      if (a !== null && typeof a === 'object' && 'extract' in a && typeof a.extract === 'string' && a.extract !== '') out.push(a.extract);
    } catch {
      // not JSON: the save reports it on its line
    }
  }
  return out;
}

const BROWSER_SOURCES: ReadonlyArray<string> = ['url', 'text', 'extracted'];

/** The step turned into kind; a browser step keeps only the assertions a page can answer (url, text, extracted), an HTTP step needs a method. */
export function withKind(s: StepDraft, kind: StepDraft['kind']): StepDraft {
  if (kind === s.kind) return s;
  if (kind === 'browser') return { ...s, kind, assertions: s.assertions.filter((a) => BROWSER_SOURCES.includes(a.source)) };
  return { ...s, kind, method: s.method || 'GET', assertions: s.assertions.filter((a) => a.source !== 'url' && a.source !== 'extracted') };
}

export function stepToInput(s: StepDraft): StepInput {
  const browser = s.kind === 'browser';
  return {
    name: s.name.trim(),
    kind: browser ? 'BROWSER' : 'HTTP',
    actions: browser ? actionLines(s.actions) : [],
    method: browser ? '' : s.method,
    url: s.url,
    // A browser step has no headers or body; the editor hides them, so they are not sent.
    headers: browser ? [] : s.headers.filter((h) => h.name.trim() !== '').map((h) => ({ name: h.name.trim(), value: h.value })),
    body: browser ? '' : s.body,
    timeoutMs: intOrNull(s.timeout),
    alwaysRun: s.alwaysRun,
    continueOnFailure: s.continueOnFailure,
    // A browser always follows redirects, verifies TLS and is not retried: it leaves these unset.
    followRedirects: browser ? null : s.followRedirects,
    insecure: browser ? false : s.insecure,
    retry: !browser && s.retry ? { attempts: intOrNull(s.retryAttempts) ?? 0, intervalMs: intOrNull(s.retryIntervalMs) ?? 0 } : null,
    assertions: s.assertions.map((a) => ({
      source: a.source.toUpperCase() as AssertionSource,
      property: a.property,
      comparison: a.comparison.toUpperCase() as GqlComparison,
      target: a.target,
    })),
  };
}

export function collectionToInput(c: CollectionDraft): CollectionInput {
  return {
    name: c.name.trim(),
    description: c.description,
    variables: c.variables.filter((v) => v.name.trim() !== '').map((v) => ({ name: v.name.trim(), value: v.value })),
    steps: c.steps.map(stepToInput),
  };
}

/** The key of a draft without client keys, to tell whether there is anything to save. */
export function fingerprint(c: CollectionDraft): string {
  return JSON.stringify(collectionToInput(c));
}

// ---- query parameters, edited as rows and kept in the URL ----

export function splitQuery(url: string): { base: string; params: Array<{ name: string; value: string }> } {
  const q = url.indexOf('?');
  if (q < 0) return { base: url, params: [] };
  const base = url.slice(0, q);
  const rest = url.slice(q + 1);
  if (rest === '') return { base, params: [] };
  return {
    base,
    params: rest.split('&').map((p) => {
      const eq = p.indexOf('=');
      return eq < 0 ? { name: p, value: '' } : { name: p.slice(0, eq), value: p.slice(eq + 1) };
    }),
  };
}

export function joinQuery(base: string, params: ReadonlyArray<{ name: string; value: string }>): string {
  const kept = params.filter((p) => p.name !== '' || p.value !== '');
  if (kept.length === 0) return base;
  return `${base}?${kept.map((p) => (p.value === '' && !p.name.includes('=') ? `${p.name}=` : `${p.name}=${p.value}`)).join('&')}`;
}

/** The last run's responses by step name, for completion and hints. */
export function responsesOf(run: Pick<RunFieldsFragment, 'steps'> | null | undefined): Record<string, StepResponse> {
  const out: Record<string, StepResponse> = {};
  for (const s of run?.steps ?? []) {
    if (!s.response) continue;
    out[s.name] = {
      status: s.response.status,
      latencyMs: Math.round(s.timings.totalMs),
      headers: Object.fromEntries(s.response.headers.map((h) => [h.name, h.value])),
      body: s.response.body,
    };
  }
  return out;
}

/** Moves an item, for keyboard and drag reordering. */
export function move<T>(xs: ReadonlyArray<T>, from: number, to: number): T[] {
  const out = [...xs];
  if (from < 0 || from >= out.length || to < 0 || to >= out.length) return out;
  const [x] = out.splice(from, 1);
  out.splice(to, 0, x);
  return out;
}

/**
 * Renames references to a step when it is renamed, so "@<<login.body.token>>"
 * follows the step named "auth".
 */
export function renameReferences(text: string, from: string, to: string): string {
  if (from === '' || from === to) return text;
  const esc = from.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&');
  return text.replace(new RegExp(`@<<\\s*${esc}\\.`, 'g'), `@<<${to}.`);
}
