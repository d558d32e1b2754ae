import { describe, expect, it } from 'vitest';
import { extractNames, withKind, joinQuery, move, newStep, renameReferences, splitQuery, stepFromServer, stepToInput } from './model';

describe('query parameters', () => {
  it('round-trips through rows, references intact', () => {
    const url = '@<<vars.base>>/orders?id=@<<login.body.id>>&limit=5&flag';
    const { base, params } = splitQuery(url);
    expect(base).toBe('@<<vars.base>>/orders');
    expect(params).toEqual([
      { name: 'id', value: '@<<login.body.id>>' },
      { name: 'limit', value: '5' },
      { name: 'flag', value: '' },
    ]);
    expect(joinQuery(base, [...params.slice(0, 2), { name: 'page', value: '2' }])).toBe('@<<vars.base>>/orders?id=@<<login.body.id>>&limit=5&page=2');
    expect(joinQuery(base, [])).toBe(base);
  });
});

describe('move', () => {
  it('moves one item and leaves out-of-range moves alone', () => {
    expect(move(['a', 'b', 'c'], 0, 2)).toEqual(['b', 'c', 'a']);
    expect(move(['a', 'b', 'c'], 2, 0)).toEqual(['c', 'a', 'b']);
    expect(move(['a', 'b'], 0, 5)).toEqual(['a', 'b']);
  });
});

describe('renameReferences', () => {
  it('follows a renamed step and nothing else', () => {
    expect(renameReferences('Bearer @<<login.body.token>> @<<login2.status>>', 'login', 'auth')).toBe('Bearer @<<auth.body.token>> @<<login2.status>>');
  });
});

describe('stepToInput', () => {
  it('sends enums in upper case and drops empty header rows', () => {
    const s = newStep([]);
    s.headers = [
      { key: 'a', name: 'Accept', value: 'application/json' },
      { key: 'b', name: ' ', value: '' },
    ];
    s.timeout = '5000';
    const input = stepToInput(s);
    expect(input.assertions).toEqual([{ source: 'STATUS', property: '', comparison: 'EQUALS', target: '200' }]);
    expect(input.headers).toEqual([{ name: 'Accept', value: 'application/json' }]);
    expect(input.timeoutMs).toBe(5000);
    expect(input.retry).toBeNull();
    expect(input.name).toBe('step1');
  });
});

describe('browser steps', () => {
  const server = {
    name: 'shop',
    kind: 'BROWSER' as const,
    actions: ['{"fill":"#email","value":"@<<secrets.email>>"}', '{"click":"#submit"}', '{"extract":"order_id","selector":".order","attribute":"data-id"}'],
    method: '',
    url: 'https://shop.example.test/',
    headers: [],
    body: '',
    timeoutMs: null,
    alwaysRun: false,
    continueOnFailure: false,
    followRedirects: true,
    insecure: false,
    retry: null,
    assertions: [
      { source: 'URL', property: '', comparison: 'CONTAINS', target: '/done' },
      { source: 'EXTRACTED', property: 'order_id', comparison: 'MATCHES', target: '^[0-9]+$' },
    ],
  };

  it('keep kind, actions and their assertions through the editor', () => {
    const d = stepFromServer(server);
    expect(d.kind).toBe('browser');
    expect(d.actions.split('\n')).toEqual(server.actions);
    const input = stepToInput(d);
    expect(input.kind).toBe('BROWSER');
    expect(input.actions).toEqual(server.actions);
    expect(input).toMatchObject({ method: '', headers: [], body: '', followRedirects: null, insecure: false, retry: null });
    expect(input.assertions).toEqual(server.assertions);
    expect(extractNames(d)).toEqual(['order_id']);
  });

  it('drop blank action lines, and send no actions for an HTTP step', () => {
    const d = { ...stepFromServer(server), actions: '\n  {"click":"#a"}  \n\n' };
    expect(stepToInput(d).actions).toEqual(['{"click":"#a"}']);
    const http = { ...d, kind: 'http' as const, method: 'GET' };
    expect(stepToInput(http)).toMatchObject({ kind: 'HTTP', actions: [], method: 'GET' });
    expect(extractNames(http)).toEqual([]);
    expect(stepToInput(newStep([]))).toMatchObject({ kind: 'HTTP', actions: [] });
  });
});

describe('withKind', () => {
  it('keeps only the assertions the new kind can answer', () => {
    const http = newStep([]);
    const b = withKind({ ...http, assertions: [...http.assertions, { key: 'x', source: 'url', property: '', comparison: 'contains', target: '/ok' }] }, 'browser');
    expect(b.kind).toBe('browser');
    expect(b.assertions.map((a) => a.source)).toEqual(['url']);
    const back = withKind({ ...b, method: '' }, 'http');
    expect(back).toMatchObject({ kind: 'http', method: 'GET', assertions: [] });
  });
});
