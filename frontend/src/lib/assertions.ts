// The assertion form's rules: which comparisons make sense for each source (the
// same table as internal/collection), which inputs a row shows, and what is wrong
// with a row before it is sent. Pure; tested in assertions.test.ts.

export const SOURCES = ['status', 'latency', 'header', 'body', 'text', 'url', 'extracted'] as const;
export type Source = (typeof SOURCES)[number];

export const COMPARISONS = [
  'equals',
  'not_equals',
  'greater_than',
  'greater_or_equal',
  'less_than',
  'less_or_equal',
  'contains',
  'not_contains',
  'matches',
  'exists',
  'not_exists',
  'is_empty',
  'is_not_empty',
  'type_is',
  'json_schema',
] as const;
export type Comparison = (typeof COMPARISONS)[number];

export const JSON_TYPES = ['string', 'number', 'boolean', 'object', 'array', 'null'] as const;

const NUMERIC: ReadonlyArray<Comparison> = ['greater_than', 'greater_or_equal', 'less_than', 'less_or_equal'];
const NO_TARGET: ReadonlyArray<Comparison> = ['exists', 'not_exists', 'is_empty', 'is_not_empty'];

const FOR_SOURCE: Record<Source, ReadonlyArray<Comparison>> = {
  status: ['equals', 'not_equals', 'greater_than', 'greater_or_equal', 'less_than', 'less_or_equal', 'matches'],
  latency: ['equals', 'not_equals', 'greater_than', 'greater_or_equal', 'less_than', 'less_or_equal'],
  header: ['equals', 'not_equals', 'greater_than', 'greater_or_equal', 'less_than', 'less_or_equal', 'contains', 'not_contains', 'matches', 'exists', 'not_exists', 'is_empty', 'is_not_empty'],
  body: COMPARISONS,
  text: ['equals', 'not_equals', 'contains', 'not_contains', 'matches', 'is_empty', 'is_not_empty'],
  // Browser steps only: the page's final URL and values extract actions kept.
  url: ['equals', 'not_equals', 'contains', 'not_contains', 'matches'],
  extracted: ['equals', 'not_equals', 'greater_than', 'greater_or_equal', 'less_than', 'less_or_equal', 'contains', 'not_contains', 'matches', 'is_empty', 'is_not_empty'],
};

export const SOURCE_LABELS: Record<Source, string> = {
  status: 'Status code',
  latency: 'Latency (ms)',
  header: 'Header',
  body: 'JSON body',
  text: 'Body text',
  url: 'Page URL (browser)',
  extracted: 'Extracted value (browser)',
};

export const COMPARISON_LABELS: Record<Comparison, string> = {
  equals: 'equals',
  not_equals: 'does not equal',
  greater_than: 'is greater than',
  greater_or_equal: 'is at least',
  less_than: 'is less than',
  less_or_equal: 'is at most',
  contains: 'contains',
  not_contains: 'does not contain',
  matches: 'matches regex',
  exists: 'exists',
  not_exists: 'does not exist',
  is_empty: 'is empty',
  is_not_empty: 'is not empty',
  type_is: 'has type',
  json_schema: 'matches JSON schema',
};

export interface AssertionDraft {
  source: Source;
  property: string;
  comparison: Comparison;
  target: string;
}

export function isSource(s: string): s is Source {
  return (SOURCES as ReadonlyArray<string>).includes(s);
}

export function isComparison(s: string): s is Comparison {
  return (COMPARISONS as ReadonlyArray<string>).includes(s);
}

/** The comparisons offered for a source, in menu order. */
export function comparisonsFor(source: Source): ReadonlyArray<Comparison> {
  return FOR_SOURCE[source];
}

/** Whether the row shows a property input, and what it asks for. */
export function propertyField(source: Source): { show: boolean; label: string; placeholder: string; required: boolean } {
  switch (source) {
    case 'header':
      return { show: true, label: 'Header name', placeholder: 'content-type', required: true };
    case 'body':
      return { show: true, label: 'JSON path', placeholder: 'data.items.0.id (empty: whole body)', required: false };
    case 'extracted':
      return { show: true, label: 'Extract name', placeholder: 'order_id', required: true };
    default:
      return { show: false, label: '', placeholder: '', required: false };
  }
}

/** Whether the row shows a target input, and in which form. */
export function targetField(a: Pick<AssertionDraft, 'source' | 'comparison'>): { show: boolean; kind: 'number' | 'text' | 'type' | 'schema' | 'regex'; placeholder: string } {
  if (NO_TARGET.includes(a.comparison)) return { show: false, kind: 'text', placeholder: '' };
  if (a.comparison === 'type_is') return { show: true, kind: 'type', placeholder: '' };
  if (a.comparison === 'json_schema') return { show: true, kind: 'schema', placeholder: '{"type": "object", "required": ["id"]}' };
  if (a.comparison === 'matches') return { show: true, kind: 'regex', placeholder: '^2\\d\\d$' };
  if (a.source === 'status') return { show: true, kind: 'number', placeholder: '200' };
  if (a.source === 'latency') return { show: true, kind: 'number', placeholder: '500' };
  if (NUMERIC.includes(a.comparison)) return { show: true, kind: 'number', placeholder: '0' };
  return { show: true, kind: 'text', placeholder: 'expected value' };
}

/**
 * The row after the user picks another source: the comparison is kept when the
 * new source allows it (otherwise the first allowed one), and a property that
 * no longer applies is dropped.
 */
export function changeSource(a: AssertionDraft, source: Source): AssertionDraft {
  const allowed = comparisonsFor(source);
  const comparison = allowed.includes(a.comparison) ? a.comparison : allowed[0];
  const property = propertyField(source).show ? a.property : '';
  const next = { source, property, comparison, target: a.target };
  return targetField(next).show ? next : { ...next, target: '' };
}

/** The row after the user picks another comparison; a target that is no longer shown is cleared. */
export function changeComparison(a: AssertionDraft, comparison: Comparison): AssertionDraft {
  const next = { ...a, comparison };
  if (!targetField(next).show) return { ...next, target: '' };
  if (comparison === 'type_is' && !(JSON_TYPES as ReadonlyArray<string>).includes(a.target)) return { ...next, target: 'string' };
  return next;
}

/** A new row with sensible defaults: status equals 200. */
export function newAssertion(source: Source = 'status'): AssertionDraft {
  const comparison = source === 'latency' ? 'less_than' : source === 'body' ? 'exists' : comparisonsFor(source)[0];
  const target = source === 'status' ? '200' : source === 'latency' ? '1000' : '';
  return { source, property: '', comparison, target };
}

function isNumber(s: string): boolean {
  return s.trim() !== '' && Number.isFinite(Number(s));
}

/** Problems with a row by field ("property" / "comparison" / "target"); empty when it can be saved. */
export function assertionErrors(a: AssertionDraft): Partial<Record<'property' | 'comparison' | 'target', string>> {
  const errs: Partial<Record<'property' | 'comparison' | 'target', string>> = {};
  if (!comparisonsFor(a.source).includes(a.comparison)) {
    errs.comparison = `"${COMPARISON_LABELS[a.comparison]}" does not apply to ${SOURCE_LABELS[a.source].toLowerCase()}`;
  }
  const prop = propertyField(a.source);
  if (prop.required && a.property.trim() === '') errs.property = `${prop.label} is required`;
  const t = targetField(a);
  if (!t.show) return errs;
  const hasRef = a.target.includes('@<<');
  if (a.target.trim() === '') {
    errs.target = 'a target is required';
    return errs;
  }
  if (hasRef) return errs; // resolved at run time; checked by the reference rules
  switch (t.kind) {
    case 'number':
      if (!isNumber(a.target)) errs.target = `"${a.target}" is not a number`;
      else if (a.source === 'status' && !/^[1-5]\d\d$/.test(a.target.trim())) errs.target = `${a.target} is not an HTTP status code (100–599)`;
      break;
    case 'regex':
      try {
        new RegExp(a.target);
      } catch (e) {
        errs.target = `invalid regular expression: ${e instanceof Error ? e.message.replace(/^Invalid regular expression: /, '') : String(e)}`;
      }
      break;
    case 'type':
      if (!(JSON_TYPES as ReadonlyArray<string>).includes(a.target)) errs.target = `type must be one of ${JSON_TYPES.join(', ')}`;
      break;
    case 'schema':
      try {
        const v: unknown = JSON.parse(a.target);
        if (typeof v !== 'object' || v === null || Array.isArray(v)) errs.target = 'a JSON schema is an object';
      } catch (e) {
        errs.target = `the schema is not valid JSON: ${e instanceof Error ? e.message : String(e)}`;
      }
      break;
    case 'text':
      break;
  }
  return errs;
}

/** One line a person reads: "status code equals 200", "body token exists". */
export function describeAssertion(a: AssertionDraft): string {
  const what = a.source === 'header' ? `header ${a.property}` : a.source === 'body' ? (a.property ? `body ${a.property}` : 'body') : SOURCE_LABELS[a.source].toLowerCase();
  const t = targetField(a);
  return `${what} ${COMPARISON_LABELS[a.comparison]}${t.show ? ` ${a.target}` : ''}`;
}
