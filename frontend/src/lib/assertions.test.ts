import { describe, expect, it } from 'vitest';
import {
  assertionErrors,
  changeComparison,
  changeSource,
  comparisonsFor,
  describeAssertion,
  newAssertion,
  propertyField,
  targetField,
  type AssertionDraft,
} from './assertions';

describe('comparisonsFor', () => {
  it('offers only what makes sense for the source', () => {
    expect(comparisonsFor('latency')).not.toContain('contains');
    expect(comparisonsFor('text')).not.toContain('greater_than');
    expect(comparisonsFor('status')).toContain('matches');
    expect(comparisonsFor('body')).toContain('json_schema');
    expect(comparisonsFor('header')).toContain('exists');
  });
});

describe('form fields', () => {
  it('asks for a property for header and body only', () => {
    expect(propertyField('header')).toMatchObject({ show: true, required: true });
    expect(propertyField('body')).toMatchObject({ show: true, required: false });
    expect(propertyField('status').show).toBe(false);
  });

  it('picks the target input from source and comparison', () => {
    expect(targetField({ source: 'status', comparison: 'equals' }).kind).toBe('number');
    expect(targetField({ source: 'body', comparison: 'exists' }).show).toBe(false);
    expect(targetField({ source: 'body', comparison: 'type_is' }).kind).toBe('type');
    expect(targetField({ source: 'body', comparison: 'json_schema' }).kind).toBe('schema');
    expect(targetField({ source: 'header', comparison: 'matches' }).kind).toBe('regex');
  });
});

describe('changing the source', () => {
  it('keeps a comparison the new source allows', () => {
    const a: AssertionDraft = { source: 'status', property: '', comparison: 'less_than', target: '300' };
    expect(changeSource(a, 'latency')).toEqual({ source: 'latency', property: '', comparison: 'less_than', target: '300' });
  });

  it('falls back to the first allowed comparison and drops a property that no longer applies', () => {
    const a: AssertionDraft = { source: 'body', property: 'token', comparison: 'exists', target: '' };
    expect(changeSource(a, 'latency')).toEqual({ source: 'latency', property: '', comparison: 'equals', target: '' });
  });

  it('clears the target when the comparison takes none', () => {
    const a: AssertionDraft = { source: 'body', property: 'id', comparison: 'equals', target: '3' };
    expect(changeComparison(a, 'exists').target).toBe('');
    expect(changeComparison(a, 'type_is').target).toBe('string');
  });
});

describe('assertionErrors', () => {
  it.each<[AssertionDraft, Record<string, string>]>([
    [newAssertion('status'), {}],
    [newAssertion('latency'), {}],
    [{ source: 'status', property: '', comparison: 'equals', target: 'ok' }, { target: '"ok" is not a number' }],
    [{ source: 'status', property: '', comparison: 'equals', target: '999' }, { target: '999 is not an HTTP status code (100–599)' }],
    [{ source: 'status', property: '', comparison: 'equals', target: '' }, { target: 'a target is required' }],
    [{ source: 'header', property: '', comparison: 'exists', target: '' }, { property: 'Header name is required' }],
    [{ source: 'text', property: '', comparison: 'greater_than', target: '1' }, { comparison: '"is greater than" does not apply to body text' }],
    [{ source: 'body', property: 'n', comparison: 'type_is', target: 'float' }, { target: 'type must be one of string, number, boolean, object, array, null' }],
    [{ source: 'body', property: '', comparison: 'json_schema', target: '[1]' }, { target: 'a JSON schema is an object' }],
    [{ source: 'body', property: 'id', comparison: 'equals', target: '@<<login.body.id>>' }, {}],
  ])('%j', (a, want) => {
    expect(assertionErrors(a)).toEqual(want);
  });

  it('reports an invalid regular expression', () => {
    expect(assertionErrors({ source: 'text', property: '', comparison: 'matches', target: '(' }).target).toMatch(/^invalid regular expression/);
  });
});

describe('describeAssertion', () => {
  it('reads as a sentence', () => {
    expect(describeAssertion({ source: 'status', property: '', comparison: 'equals', target: '200' })).toBe('status code equals 200');
    expect(describeAssertion({ source: 'body', property: 'token', comparison: 'exists', target: '' })).toBe('body token exists');
  });
});
