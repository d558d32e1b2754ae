import { describe, expect, it } from 'vitest';
import { diffLineKind } from './DiffView';

describe('diffLineKind', () => {
  it('tells file headers, hunks, added, removed and context lines apart', () => {
    const diff = ['--- collection 3 v2', '+++ collection 3 v4 (current)', '@@ -3,3 +3,3 @@', '   - name: health', '-    url: http://127.0.0.1:1/first', '+    url: http://127.0.0.1:1/second', ' # secrets'];
    expect(diff.map(diffLineKind)).toEqual(['file', 'file', 'hunk', 'same', 'del', 'add', 'same']);
  });
});
