import { describe, expect, it } from 'vitest';
import { formatMs, formatPercent } from './format';

describe('formatMs', () => {
  it.each([
    [null, '—'],
    [0, '< 1 ms'],
    [3.25, '3.3 ms'],
    [250, '250 ms'],
    [1500, '1.50 s'],
    [12_000, '12.0 s'],
    [125_000, '2 m 5 s'],
  ])('%s → %s', (input, want) => {
    expect(formatMs(input)).toBe(want);
  });
});

describe('formatPercent', () => {
  it('shows uptime with useful precision', () => {
    expect(formatPercent(1)).toBe('100%');
    expect(formatPercent(0.9987)).toBe('99.87%');
    expect(formatPercent(null)).toBe('—');
  });
});
