import { describe, expect, it } from 'vitest';
import {
  applyCompletion,
  completions,
  completionTrigger,
  findReferences,
  getPath,
  parseReference,
  referenceProblems,
  stepIndex,
  type ReferenceContext,
} from './references';

const lastRun: ReferenceContext['lastRun'] = {
  login: {
    status: 200,
    latencyMs: 42,
    headers: { 'Content-Type': 'application/json', 'X-Request-Id': 'abc' },
    body: JSON.stringify({ token: 'tok-123', user: { id: 7, roles: ['admin', 'dev'] }, 'a.b': 1 }),
  },
  me: { status: 200, latencyMs: 12, headers: {}, body: 'not json' },
};

const ctx = (index: number, over: Partial<ReferenceContext> = {}): ReferenceContext => ({
  steps: [{ name: 'login' }, { name: 'me' }, { name: 'order' }],
  index,
  variables: { base: 'http://127.0.0.1:8080' },
  secretNames: ['password'],
  lastRun,
  ...over,
});

describe('parseReference', () => {
  it.each([
    ['login.body.token', { kind: 'step', step: 'login', part: 'body', name: 'token' }],
    ['login.body', { kind: 'step', step: 'login', part: 'body', name: '' }],
    ['login.headers.X-Id', { kind: 'step', step: 'login', part: 'headers', name: 'X-Id' }],
    ['step1.status', { kind: 'step', step: 'step1', part: 'status', name: '' }],
    [' vars.base ', { kind: 'vars', name: 'base' }],
    ['secrets.password', { kind: 'secrets', name: 'password' }],
    ['$uuid', { kind: 'builtin', name: '$uuid' }],
  ])('parses %s', (inner, want) => {
    expect(parseReference(inner)).toEqual(want);
  });

  it.each([
    ['', 'empty reference'],
    ['$nope', 'unknown built-in "$nope"'],
    ['vars', 'vars needs a name'],
    ['login', 'needs a part: body, headers.NAME, status or latency'],
    ['login.status.x', 'status has no fields'],
    ['login.headers', 'headers needs a header name'],
    ['login.cookies', 'unknown part "cookies"'],
    ['1login.body', 'is not a step name'],
  ])('rejects %j with a reason', (inner, reason) => {
    const got = parseReference(inner);
    expect('error' in got && got.error).toContain(reason);
  });
});

describe('findReferences', () => {
  it('finds each reference with its span', () => {
    const text = 'Bearer @<<login.body.token>> and @<<vars.base>>';
    const refs = findReferences(text);
    expect(refs.map((r) => [r.raw, text.slice(r.start, r.end)])).toEqual([
      ['@<<login.body.token>>', '@<<login.body.token>>'],
      ['@<<vars.base>>', '@<<vars.base>>'],
    ]);
  });

  it('reports an unclosed reference up to the end', () => {
    const [r] = findReferences('x @<<login.body');
    expect(r.error).toContain('unclosed reference');
    expect(r.end).toBe('x @<<login.body'.length);
  });
});

describe('stepIndex', () => {
  it('resolves names and 1-based stepN, names first', () => {
    const steps = [{ name: 'a' }, { name: 'step1' }];
    expect(stepIndex(steps, 'a')).toBe(0);
    expect(stepIndex(steps, 'step1')).toBe(1);
    expect(stepIndex(steps, 'step2')).toBe(1);
    expect(stepIndex(steps, 'step3')).toBe(-1);
    expect(stepIndex(steps, 'step01')).toBe(-1);
  });
});

describe('referenceProblems', () => {
  it('accepts references that resolve', () => {
    expect(referenceProblems('@<<vars.base>>/me?t=@<<login.body.token>>&s=@<<secrets.password>>&@<<$uuid>>', ctx(1))).toEqual([]);
  });

  it('explains unknown, later and self references like the server does', () => {
    const text = '@<<nope.status>> @<<order.status>> @<<me.status>> @<<vars.x>> @<<secrets.y>>';
    const got = referenceProblems(text, ctx(1));
    expect(got.map((p) => p.message)).toEqual([
      "unknown step 'nope' in @<<nope.status>>; earlier steps: login",
      "step 2 refers to step 3 ('order'), which runs later, in @<<order.status>>; earlier steps: login",
      "step 'me' refers to itself in @<<me.status>>; a reference can only use earlier steps",
      'unknown variable "x" in @<<vars.x>>; variables: base',
      'unknown secret "y" in @<<secrets.y>>; secrets: password',
    ]);
    expect(got.every((p) => p.severity === 'error')).toBe(true);
    expect(text.slice(got[1].start, got[1].end)).toBe('@<<order.status>>');
  });

  it('warns when the last run had no such field or header', () => {
    const got = referenceProblems('@<<login.body.tokn>> @<<login.headers.x-request-id>> @<<login.headers.etag>> @<<me.body.id>>', ctx(2));
    expect(got.map((p) => [p.severity, p.message])).toEqual([
      ['warning', `in the last run, the body of 'login' had no "tokn"; fields: token, user, a.b`],
      ['warning', "in the last run, 'login' answered without a etag header"],
      ['warning', "in the last run, the body of 'me' was not JSON, so id cannot be read"],
    ]);
  });

  it('reports a parse error over the whole reference', () => {
    const [p] = referenceProblems('x @<<login.cookie>> y', ctx(1));
    expect(p).toMatchObject({ start: 2, end: 19, severity: 'error' });
    expect(p.message).toContain('unknown part "cookie"');
  });
});

describe('getPath', () => {
  const v = JSON.parse('{"a":{"b":[{"c":1},{"c":2}]},"x.y":true}');
  it.each([
    ['a.b.1.c', 2],
    ['a.b.#', 2],
    ['x\\.y', true],
    ['a.z', undefined],
    ['a.b.c', undefined],
  ])('%s', (path, want) => {
    expect(getPath(v, path)).toEqual(want);
  });
});

describe('completion', () => {
  it('triggers only inside an unfinished @<<', () => {
    expect(completionTrigger('Bearer @<<lo', 12)).toEqual({ start: 7, end: 12, prefix: 'lo' });
    expect(completionTrigger('@<<a.status>> x', 15)).toBeNull();
    expect(completionTrigger('plain', 5)).toBeNull();
    // editing inside a closed reference replaces through its ">>"
    expect(completionTrigger('@<<login.bo>>!', 11)).toEqual({ start: 0, end: 13, prefix: 'login.bo' });
  });

  it('offers earlier steps first, then scopes and built-ins', () => {
    const labels = completions('', ctx(2)).map((c) => c.label);
    expect(labels.slice(0, 2)).toEqual(['login', 'me']);
    expect(labels).not.toContain('order');
    expect(labels).toEqual(expect.arrayContaining(['vars', 'secrets', '$uuid']));
  });

  it('offers the parts of a step with the last run values', () => {
    const got = completions('login.', ctx(1));
    expect(got.map((c) => [c.label, c.detail])).toEqual([
      ['body', 'object {token, user, a.b}'],
      ['headers', '2 headers'],
      ['status', '200'],
      ['latency', '42 ms'],
    ]);
  });

  it('offers the fields the last response had, with values', () => {
    const got = completions('login.body.', ctx(1));
    expect(got.slice(0, 3).map((c) => [c.value, c.detail])).toEqual([
      ['login.body.token', '"tok-123"'],
      ['login.body.user', 'object {id, roles}'],
      ['login.body.a\\.b', '1'],
    ]);
    expect(got.map((c) => c.label)).toEqual(expect.arrayContaining(['user.id', 'user.roles.#', 'user.roles.0']));
    expect(completions('login.body.us', ctx(1)).map((c) => c.label)).toEqual(['user', 'user.id', 'user.roles', 'user.roles.#', 'user.roles.0', 'user.roles.1']);
  });

  it('offers headers, variables and secret names without values', () => {
    expect(completions('login.headers.x', ctx(1)).map((c) => [c.label, c.detail])).toEqual([['X-Request-Id', 'abc']]);
    expect(completions('vars.', ctx(1)).map((c) => [c.value, c.detail])).toEqual([['vars.base', 'http://127.0.0.1:8080']]);
    expect(completions('secrets.', ctx(1)).map((c) => [c.value, c.detail])).toEqual([['secrets.password', '••••']]);
  });

  it('offers nothing for a later step', () => {
    expect(completions('order.', ctx(1))).toEqual([]);
  });

  it('inserts a partial choice and keeps completing, closes a full one', () => {
    const t1 = 'Bearer @<<lo';
    const trig1 = completionTrigger(t1, t1.length);
    if (!trig1) throw new Error('no trigger');
    const step = completions(trig1.prefix, ctx(1))[0];
    const r1 = applyCompletion(t1, trig1, step);
    expect(r1).toEqual({ text: 'Bearer @<<login.', cursor: 16 });

    const trig2 = completionTrigger(r1.text, r1.cursor);
    if (!trig2) throw new Error('no trigger');
    const body = completions(trig2.prefix, ctx(1)).find((c) => c.label === 'body');
    if (!body) throw new Error('no body');
    const r2 = applyCompletion(r1.text, trig2, body);
    const trig3 = completionTrigger(r2.text, r2.cursor);
    if (!trig3) throw new Error('no trigger');
    const token = completions(trig3.prefix, ctx(1)).find((c) => c.label === 'token');
    if (!token) throw new Error('no token');
    expect(applyCompletion(r2.text, trig3, token)).toEqual({ text: 'Bearer @<<login.body.token>>', cursor: 28 });
  });

  it('replaces an edited closed reference without doubling ">>"', () => {
    const text = '@<<login.bo>>!';
    const trig = completionTrigger(text, 11);
    if (!trig) throw new Error('no trigger');
    const body = completions(trig.prefix, ctx(1))[0];
    expect(applyCompletion(text, trig, body)).toEqual({ text: '@<<login.body.>>!', cursor: 14 });
  });
});

describe('browser steps: STEP.extracted.NAME', () => {
  const steps = [{ name: 'shop', extracts: ['order_id', 'total'] }, { name: 'login' }, { name: 'use' }];
  const problems = (text: string) => referenceProblems(text, ctx(2, { steps, lastRun: undefined })).map((p) => p.message);

  it('parses, and wants a name', () => {
    expect(parseReference('shop.extracted.order_id')).toEqual({ kind: 'step', step: 'shop', part: 'extracted', name: 'order_id' });
    expect(parseReference('shop.extracted')).toEqual({ error: 'extracted needs the name of an extract action: write shop.extracted.NAME' });
  });

  it('accepts a name an earlier browser step extracts', () => {
    expect(problems('/orders/@<<shop.extracted.order_id>>?t=@<<shop.extracted.total>>')).toEqual([]);
  });

  it('refuses a name the step does not extract, and an HTTP step', () => {
    expect(problems('@<<shop.extracted.missing>>')).toEqual(['step \'shop\' extracts no value named "missing" in @<<shop.extracted.missing>>; it extracts: order_id, total']);
    expect(problems('@<<login.extracted.token>>')).toEqual(["step 'login' is an HTTP step and extracts nothing in @<<login.extracted.token>>; use login.body.PATH"]);
  });
});
