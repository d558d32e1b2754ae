import { describe, expect, it } from 'vitest';
import { diffLines, latencyDiffers } from './diff';

describe('diffLines', () => {
  it('pairs changed lines and keeps equal ones aligned', () => {
    const rows = diffLines('{\n  "state": "ready",\n  "id": 1\n}', '{\n  "state": "pending",\n  "id": 1\n}');
    expect(rows.map((r) => [r.kind, r.left, r.right])).toEqual([
      ['same', '{', '{'],
      ['changed', '  "state": "ready",', '  "state": "pending",'],
      ['same', '  "id": 1', '  "id": 1'],
      ['same', '}', '}'],
    ]);
  });

  it('shows lines only on one side as added or removed', () => {
    expect(diffLines('a\nb', 'a').map((r) => r.kind)).toEqual(['same', 'removed']);
    expect(diffLines('', 'x').map((r) => [r.kind, r.right, r.rightNo])).toEqual([['added', 'x', 1]]);
  });
});

describe('latencyDiffers', () => {
  it('ignores noise and flags big changes', () => {
    expect(latencyDiffers(40, 60)).toBe(false);
    expect(latencyDiffers(100, 900)).toBe(true);
    expect(latencyDiffers(null, 5)).toBe(true);
  });
});
