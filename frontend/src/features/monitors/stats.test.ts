import { describe, expect, it } from 'vitest';
import { budgetLabel, seriesRows, stepPhaseRows } from './stats';

describe('budgetLabel', () => {
  it('reads the budget left, spent or overspent', () => {
    expect(budgetLabel(null)).toBe('no runs');
    expect(budgetLabel(0.624)).toBe('62% left');
    expect(budgetLabel(0)).toBe('0% left');
    expect(budgetLabel(-0.001)).toBe('spent');
    expect(budgetLabel(-2)).toBe('overspent ×3.0');
  });
});

describe('stepPhaseRows', () => {
  it('rounds each phase to a tenth of a millisecond', () => {
    expect(stepPhaseRows([{ name: 'login', executed: 3, p95Ms: 12, dnsMs: 1.04, connectMs: 2.26, tlsMs: 0, firstByteMs: 8.333 }])).toEqual([
      { step: 'login', dns: 1, connect: 2.3, tls: 0, firstByte: 8.3 },
    ]);
  });
});

describe('seriesRows', () => {
  it('keeps empty intervals as gaps', () => {
    const rows = seriesRows([
      { at: '2026-01-01T00:00:00Z', runs: 4, uptime: 0.75, apdex: 0.625, avgDurationMs: 120 },
      { at: '2026-01-01T01:00:00Z', runs: 0, uptime: null, apdex: null, avgDurationMs: null },
    ]);
    expect(rows[0]).toEqual({ at: '2026-01-01T00:00:00Z', uptime: 75, apdex: 0.625, runs: 4 });
    expect(rows[1].uptime).toBeNull();
  });
});
