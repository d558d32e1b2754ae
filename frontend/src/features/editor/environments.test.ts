import { describe, expect, it } from 'vitest';
import { environmentOptions, parseVariableLines, variableLines } from './environments';

describe('environment variable lines', () => {
  it('round-trips NAME=value lines, keeping = in values', () => {
    const vars = [
      { name: 'base', value: 'http://127.0.0.1:8081' },
      { name: 'q', value: 'a=b' },
    ];
    expect(parseVariableLines(variableLines(vars))).toEqual({ variables: vars });
  });
  it('skips blank lines and names the bad line', () => {
    expect(parseVariableLines('\nbase=x\n\n').variables).toEqual([{ name: 'base', value: 'x' }]);
    expect(parseVariableLines('base=x\nnope').error).toBe('line 2: write NAME=value');
    expect(parseVariableLines('a b=1').error).toBe('line 1: a b may hold only letters, digits, _ and -');
    expect(parseVariableLines('a=1\na=2').error).toBe('line 2: a is set twice');
  });
  it('labels shared environments', () => {
    expect(environmentOptions([{ name: 'staging', shared: false }, { name: 'team', shared: true }])).toEqual([
      { value: 'staging', label: 'staging' },
      { value: 'team', label: 'team (shared)' },
    ]);
  });
});
