import { describe, expect, it } from 'vitest';
import { bands } from './bands';

const hourly = ['10:00', '11:00', '12:00', '13:00', '14:00', '15:00'].map((h) => ({ at: `2026-03-29T${h}:00Z` }));

describe('bands', () => {
  it('covers every bucket an opening touches', () => {
    expect(bands(hourly, 3600, [{ start: '2026-03-29T11:30:00Z', end: '2026-03-29T13:15:00Z' }])).toEqual([{ x1: '2026-03-29T11:00:00Z', x2: '2026-03-29T13:00:00Z' }]);
  });
  it('drops openings outside the series and merges touching ones', () => {
    expect(
      bands(hourly, 3600, [
        { start: '2026-03-28T01:00:00Z', end: '2026-03-28T02:00:00Z' },
        { start: '2026-03-29T10:00:00Z', end: '2026-03-29T11:00:00Z' },
        { start: '2026-03-29T11:00:00Z', end: '2026-03-29T11:30:00Z' },
        { start: '2026-03-29T15:59:00Z', end: '2026-03-29T18:00:00Z' },
      ]),
    ).toEqual([
      { x1: '2026-03-29T10:00:00Z', x2: '2026-03-29T11:00:00Z' },
      { x1: '2026-03-29T15:00:00Z', x2: '2026-03-29T15:00:00Z' },
    ]);
  });
  it('an opening ending where a bucket starts leaves that bucket out', () => {
    expect(bands(hourly, 3600, [{ start: '2026-03-29T12:00:00Z', end: '2026-03-29T13:00:00Z' }])).toEqual([{ x1: '2026-03-29T12:00:00Z', x2: '2026-03-29T12:00:00Z' }]);
  });
  it('is empty without points', () => {
    expect(bands([], 3600, [{ start: '2026-03-29T12:00:00Z', end: '2026-03-29T13:00:00Z' }])).toEqual([]);
  });
});
