import { describe, expect, it } from 'vitest';
import { appendPage, nextAfter } from './pages';

describe('appendPage', () => {
  it('appends a page in order', () => {
    expect(appendPage([{ id: '1' }, { id: '2' }], [{ id: '3' }, { id: '4' }]).map((m) => m.id)).toEqual(['1', '2', '3', '4']);
  });
  it('keeps a monitor seen on two pages once, where it first appeared', () => {
    const got = appendPage([{ id: '1', name: 'a' }, { id: '2', name: 'b' }], [{ id: '2', name: 'b again' }, { id: '3', name: 'c' }]);
    expect(got).toEqual([
      { id: '1', name: 'a' },
      { id: '2', name: 'b' },
      { id: '3', name: 'c' },
    ]);
  });
  it('does not change its inputs', () => {
    const have = [{ id: '1' }];
    appendPage(have, [{ id: '2' }]);
    expect(have).toEqual([{ id: '1' }]);
  });
});

describe('nextAfter', () => {
  it('is the end cursor while there are more pages', () => {
    expect(nextAfter({ hasNextPage: true, endCursor: 'bTo1MA' })).toBe('bTo1MA');
  });
  it('is null on the last page or before any page', () => {
    expect(nextAfter({ hasNextPage: false, endCursor: 'bTo1MA' })).toBeNull();
    expect(nextAfter({ hasNextPage: true, endCursor: null })).toBeNull();
    expect(nextAfter(undefined)).toBeNull();
  });
});
