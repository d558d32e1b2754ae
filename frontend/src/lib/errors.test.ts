import { describe, expect, it } from 'vitest';
import { CombinedError } from 'urql';
import { GraphQLError } from 'graphql';
import { errorCode, errorMessage, fieldErrors, onFields, under, unplacedErrors } from './errors';

const invalid = new CombinedError({
  graphQLErrors: [
    new GraphQLError('collection "x" is invalid', {
      extensions: {
        code: 'INVALID',
        fields: [
          { path: 'steps[1].url', step: 'me', message: 'a step needs a URL' },
          { path: 'steps[1].assertions[0].target', step: 'me', message: 'not a number' },
          { path: 'name', step: '', message: 'a collection needs a name' },
        ],
      },
    }),
  ],
});

describe('fieldErrors', () => {
  it('keys the gateway extensions.fields by path', () => {
    expect(fieldErrors(invalid)).toEqual({
      'steps[1].url': 'a step needs a URL',
      'steps[1].assertions[0].target': 'not a number',
      name: 'a collection needs a name',
    });
    expect(fieldErrors(undefined)).toEqual({});
  });

  it('narrows to one step with under()', () => {
    expect(under(fieldErrors(invalid), 'steps[1]')).toEqual({ url: 'a step needs a URL', 'assertions[0].target': 'not a number' });
  });
});

describe('errorMessage and errorCode', () => {
  it('reads the message and the code', () => {
    expect(errorMessage(invalid)).toBe('collection "x" is invalid');
    expect(errorMessage(invalid, true)).toBeNull();
    expect(errorCode(invalid)).toBe('INVALID');
  });

  it('explains a network failure', () => {
    const e = new CombinedError({ networkError: new Error('Failed to fetch') });
    expect(errorMessage(e)).toBe('Cannot reach the Catena server: Failed to fetch');
    expect(errorCode(e)).toBeNull();
  });
});

describe('unplacedErrors', () => {
  it('returns the field errors no field shows, and errors without fields', () => {
    expect(unplacedErrors(invalid, onFields('name'))).toEqual(['a step needs a URL', 'not a number']);
    expect(unplacedErrors(invalid, (p) => p === 'name' || p.startsWith('steps'))).toEqual([]);
    const channel = new CombinedError({ graphQLErrors: [new GraphQLError('invalid', { extensions: { code: 'INVALID', fields: [{ path: 'config', message: 'webhook: url must be an http(s) URL' }] } })] });
    expect(unplacedErrors(channel, onFields('name', 'config.url'))).toEqual(['webhook: url must be an http(s) URL']);
    const forbidden = new CombinedError({ graphQLErrors: [new GraphQLError('forbidden', { extensions: { code: 'FORBIDDEN' } })] });
    expect(unplacedErrors(forbidden, onFields('name'))).toEqual(['forbidden']);
    expect(unplacedErrors(new CombinedError({ networkError: new Error('offline') }), onFields())).toEqual(['Cannot reach the Catena server: offline']);
    expect(unplacedErrors(undefined, onFields())).toEqual([]);
  });
});
