import { describe, expect, it } from 'vitest';
import type { MonitorCardFragment } from '../../gql/graphql';
import { cardFigures } from './figures';

const stats: MonitorCardFragment['stats'] = {
  uptime24h: 0.9987,
  uptime7d: 1,
  p95LatencyMs24h: 250,
  p95LatencyMs7d: 1500,
  apdex7d: 0.9349,
  errorBudgetLeft7d: 0.62,
  runs24h: 10,
  latencyMs: [],
  latest: null,
};

describe('cardFigures', () => {
  it('shows Apdex and the budget left beside uptime and p95', () => {
    expect(cardFigures(stats)).toEqual([
      { label: 'Uptime 24 h', value: '99.87%' },
      { label: 'Uptime 7 d', value: '100%' },
      { label: 'p95 24 h', value: '250 ms' },
      { label: 'p95 7 d', value: '1.50 s' },
      { label: 'Apdex 7 d', value: '0.93' },
      { label: 'Budget 7 d', value: '62% left' },
    ]);
  });

  it('says when the budget is overspent and when there are no runs', () => {
    const f = cardFigures({ ...stats, errorBudgetLeft7d: -2, apdex7d: null });
    expect(f[4].value).toBe('—');
    expect(f[5].value).toBe('overspent ×3.0');
    expect(cardFigures({ ...stats, errorBudgetLeft7d: null })[5].value).toBe('—');
  });
});
