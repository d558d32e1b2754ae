import { describe, expect, it } from 'vitest';
import { formatInZone, previewSchedule } from './schedule';

const from = new Date('2026-11-22T04:07:30Z'); // a Sunday

describe('previewSchedule', () => {
  it('lists interval slots aligned to the interval', () => {
    const p = previewSchedule('every 5m', 'UTC', from);
    expect(p).toMatchObject({ ok: true, kind: 'every', description: 'Every 5 minutes' });
    if (!p.ok) throw new Error(p.error);
    expect(p.next.map((d) => d.toISOString())).toEqual([
      '2026-11-22T04:10:00.000Z',
      '2026-11-22T04:15:00.000Z',
      '2026-11-22T04:20:00.000Z',
      '2026-11-22T04:25:00.000Z',
      '2026-11-22T04:30:00.000Z',
    ]);
  });

  it('describes cron in words and computes the next five times in the zone', () => {
    const p = previewSchedule('0 9 * * 1-5', 'Europe/Paris', from);
    if (!p.ok) throw new Error(p.error);
    expect(p.description).toBe('At 09:00, Monday through Friday (Europe/Paris)');
    expect(p.next.map((d) => d.toISOString())).toEqual([
      '2026-11-23T08:00:00.000Z',
      '2026-11-24T08:00:00.000Z',
      '2026-11-25T08:00:00.000Z',
      '2026-11-26T08:00:00.000Z',
      '2026-11-27T08:00:00.000Z',
    ]);
    expect(formatInZone(p.next[0], 'Europe/Paris')).toBe('Mon 23 Nov, 09:00');
  });

  it.each([
    ['every 1m', 'Every minute'],
    ['every 90s', 'Every 90 seconds'],
    ['every 1h30m', 'Every 90 minutes'],
    ['every 1d', 'Every day'],
  ])('describes %s as %s', (expr, words) => {
    const p = previewSchedule(expr, '', from);
    expect(p.ok && p.description).toBe(words);
  });

  it.each([
    ['', 'a schedule is required'],
    ['every 5s', 'too often'],
    ['every 30d', 'too rare'],
    ['every five', 'is not an interval'],
    ['every 1500ms', 'whole number of seconds'],
    ['* * *', 'a cron expression has 5 fields'],
    ['61 * * * *', 'invalid cron expression "61 * * * *"'],
  ])('explains what is wrong with %j', (expr, reason) => {
    const p = previewSchedule(expr, 'UTC', from);
    expect(p.ok).toBe(false);
    expect(!p.ok && p.error).toContain(reason);
  });

  it('rejects an unknown time zone', () => {
    const p = previewSchedule('0 * * * *', 'Mars/Olympus', from);
    expect(!p.ok && p.error).toContain('unknown time zone "Mars/Olympus"');
  });
});
