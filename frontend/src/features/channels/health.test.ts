import { describe, expect, it } from 'vitest';
import { failingBadge } from './health';

describe('failingBadge', () => {
  it('is absent for a working channel', () => {
    expect(failingBadge('')).toBeNull();
    expect(failingBadge(null)).toBeNull();
    expect(failingBadge('  ')).toBeNull();
  });
  it('names the failure', () => {
    expect(failingBadge('the slack channel answered: HTTP 404: no_service')).toBe('failing: the slack channel answered: HTTP 404: no_service');
  });
  it('keeps a long answer on one short line', () => {
    const b = failingBadge(`HTTP 400:\n${'x'.repeat(300)}`);
    expect(b).not.toBeNull();
    expect(b?.startsWith('failing: HTTP 400: xxx')).toBe(true);
    expect(b?.endsWith('…')).toBe(true);
    expect((b ?? '').length).toBeLessThanOrEqual('failing: '.length + 80);
  });
});
