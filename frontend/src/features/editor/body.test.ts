import { describe, expect, it } from 'vitest';
import { checkJSONBody, formatJSONBody, looksLikeJSON } from './body';

describe('checkJSONBody', () => {
  it('accepts references inside and outside strings', () => {
    expect(checkJSONBody('{"user": "@<<vars.user>>", "id": @<<login.body.id>>, "tags": [@<<a.body.t>>]}')).toEqual({ ok: true });
    expect(checkJSONBody('')).toEqual({ ok: true });
  });

  it('names the line and column of a syntax error', () => {
    const got = checkJSONBody('{\n  "a": 1,\n  "b": @<<x.body.y>>\n  "c": 3\n}');
    expect(got.ok).toBe(false);
    if (got.ok) return;
    expect(got.line).toBe(4);
    expect(got.message).toMatch(/^invalid JSON at line 4, column \d+/);
  });
});

describe('formatJSONBody', () => {
  it('indents and keeps references as written', () => {
    expect(formatJSONBody('{"user":"@<<vars.user>>","id":@<<login.body.id>>}')).toBe('{\n  "user": "@<<vars.user>>",\n  "id": @<<login.body.id>>\n}');
  });

  it('returns null for invalid JSON', () => {
    expect(formatJSONBody('{"a":')).toBeNull();
  });
});

describe('looksLikeJSON', () => {
  it('goes by content type or the first character', () => {
    expect(looksLikeJSON('x=1', 'application/json')).toBe(true);
    expect(looksLikeJSON('  [1]')).toBe(true);
    expect(looksLikeJSON('a=1&b=2')).toBe(false);
  });
});
