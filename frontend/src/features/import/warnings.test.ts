import { describe, expect, it } from 'vitest';
import { groupWarnings, splitWarning } from './warnings';

describe('splitWarning', () => {
  it('reads the request label of each importer', () => {
    expect(splitWarning('"Auth / Login": test script statement not converted: x')).toEqual({ request: 'Auth / Login', message: 'test script statement not converted: x' });
    expect(splitWarning('"say \\"hi\\" / a\\\\b": basic auth')).toEqual({ request: 'say "hi" / a\\b', message: 'basic auth' });
    expect(splitWarning('GET /pets/{petId}: security scheme "x" is not converted')).toEqual({ request: 'GET /pets/{petId}', message: 'security scheme "x" is not converted' });
    expect(splitWarning('entry 3 (POST http://127.0.0.1:8/login): left out')).toEqual({ request: 'entry 3 (POST http://127.0.0.1:8/login)', message: 'left out' });
    expect(splitWarning('curl command 2: option --frobnicate is not supported')).toEqual({ request: 'curl command 2', message: 'option --frobnicate is not supported' });
  });
  it('keeps warnings about the whole file unlabelled', () => {
    expect(splitWarning('variable {{APIURL}} is not defined in the collection')).toEqual({ request: null, message: 'variable {{APIURL}} is not defined in the collection' });
    expect(splitWarning('"unterminated: x')).toEqual({ request: null, message: '"unterminated: x' });
    expect(splitWarning('"no colon" after the quote')).toEqual({ request: null, message: '"no colon" after the quote' });
  });
});

describe('groupWarnings', () => {
  it('groups by request in order of first appearance, whole-file warnings first', () => {
    const groups = groupWarnings([
      '"Articles / All": the else branch is not converted',
      'variable {{EMAIL}} is not defined',
      '"Auth / Login": not converted: a',
      '"Articles / All": not converted: b',
      'the document names no server',
    ]);
    expect(groups).toEqual([
      { request: null, warnings: ['variable {{EMAIL}} is not defined', 'the document names no server'] },
      { request: 'Articles / All', warnings: ['the else branch is not converted', 'not converted: b'] },
      { request: 'Auth / Login', warnings: ['not converted: a'] },
    ]);
  });
  it('returns no group for no warnings', () => {
    expect(groupWarnings([])).toEqual([]);
  });
});
