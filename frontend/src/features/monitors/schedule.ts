// Schedules as a monitor stores them: "every 30s" / "every 5m" / "every 1h" or a
// 5-field cron read in an IANA time zone. This file describes a schedule in words
// and lists its next run times locally, so the form answers while the user types
// (the server checks again on save). Pure; tested in schedule.test.ts.
import { CronExpressionParser } from 'cron-parser';
import cronstrue from 'cronstrue';

export interface SchedulePreset {
  label: string;
  value: string;
}

export const PRESETS: ReadonlyArray<SchedulePreset> = [
  { label: 'Every 30 seconds', value: 'every 30s' },
  { label: 'Every minute', value: 'every 1m' },
  { label: 'Every 5 minutes', value: 'every 5m' },
  { label: 'Every 15 minutes', value: 'every 15m' },
  { label: 'Every hour', value: 'every 1h' },
  { label: 'Weekdays at 09:00', value: '0 9 * * 1-5' },
  { label: 'Daily at midnight', value: '0 0 * * *' },
];

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const WORDS: Array<[number, string]> = [
  [86_400_000, 'day'],
  [3_600_000, 'hour'],
  [60_000, 'minute'],
  [1000, 'second'],
];

/** Milliseconds of an interval such as "5m", "1h30m" or "2d" (Go durations, plus days); null when invalid. */
export function parseInterval(s: string): number | null {
  const t = s.trim().toLowerCase();
  if (!/^(\d+(\.\d+)?(ms|s|m|h|d))+$/.test(t)) return null;
  let ms = 0;
  for (const m of t.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)) ms += Number(m[1]) * UNIT_MS[m[2]];
  return ms;
}

function describeInterval(ms: number): string {
  for (const [size, word] of WORDS) {
    if (ms % size === 0) {
      const n = ms / size;
      return n === 1 ? `Every ${word}` : `Every ${n} ${word}s`;
    }
  }
  return `Every ${ms} ms`;
}
const MIN_INTERVAL_MS = 10_000;
const MAX_INTERVAL_MS = 7 * 24 * 3_600_000;

export type SchedulePreview =
  | { ok: true; kind: 'every' | 'cron'; description: string; next: Date[] }
  | { ok: false; error: string };

function isValidZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/**
 * Describes expr and computes its next `count` times after `from`. An interval
 * schedule ("every 5m") runs on multiples of the interval since the Unix epoch,
 * so every scheduler instance agrees on the slots.
 */
export function previewSchedule(expr: string, timeZone: string, from: Date, count = 5): SchedulePreview {
  const s = expr.trim();
  if (s === '') return { ok: false, error: 'a schedule is required: pick a preset or write a cron expression' };
  const tz = timeZone.trim() === '' ? 'UTC' : timeZone.trim();
  if (/^every\b/i.test(s)) {
    const ms = parseInterval(s.slice('every'.length));
    if (ms === null) return { ok: false, error: `"${s}" is not an interval: write "every" with a number and a unit, e.g. "every 30s", "every 5m", "every 1h" or "every 1d"` };
    if (ms % 1000 !== 0) return { ok: false, error: `"${s}": an interval is a whole number of seconds` };
    if (ms < MIN_INTERVAL_MS) return { ok: false, error: `"${s}" is too often; the shortest interval is 10 seconds` };
    if (ms > MAX_INTERVAL_MS) return { ok: false, error: `"${s}" is too rare; the longest interval is 7 days (use cron for more)` };
    const first = Math.floor(from.getTime() / ms) * ms + ms;
    const next = Array.from({ length: count }, (_, i) => new Date(first + i * ms));
    return { ok: true, kind: 'every', description: describeInterval(ms), next };
  }
  const fields = s.split(/\s+/);
  if (fields.length !== 5) {
    return { ok: false, error: `a cron expression has 5 fields (minute hour day-of-month month day-of-week); "${s}" has ${fields.length}` };
  }
  if (!isValidZone(tz)) return { ok: false, error: `unknown time zone "${tz}"; use an IANA name such as Europe/Paris or UTC` };
  try {
    const it = CronExpressionParser.parse(s, { currentDate: from, tz });
    const next: Date[] = [];
    // Daylight saving as the server has it (schedulespec, cron-corpus.test.ts): a
    // wall time that does not exist is skipped (cron-parser moves it past the
    // gap) and one that happens twice fires once, at its first occurrence.
    for (let i = 0; next.length < count && i < count * 4; i++) {
      const d = it.next().toDate();
      if (it.includesDate(d) && !repeatsEarlierWallTime(d, tz)) next.push(d);
    }
    const description = cronstrue.toString(s, { use24HourTimeFormat: true, verbose: false });
    return { ok: true, kind: 'cron', description: tz === 'UTC' ? `${description} (UTC)` : `${description} (${tz})`, next };
  } catch (e) {
    return { ok: false, error: `invalid cron expression "${s}": ${e instanceof Error ? e.message : String(e)}` };
  }
}

function wallTime(d: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone, dateStyle: 'short', timeStyle: 'short', hourCycle: 'h23' }).format(d);
}

/** Whether d's wall time in the zone was already shown 30 or 60 minutes earlier (the hour repeated when clocks go back). */
function repeatsEarlierWallTime(d: Date, timeZone: string): boolean {
  const wall = wallTime(d, timeZone);
  return [30, 60].some((min) => wallTime(new Date(d.getTime() - min * 60_000), timeZone) === wall);
}

/** Formats a run time in a zone for the preview list, e.g. "Mon 23 Nov, 09:00". */
export function formatInZone(d: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-GB', {
    timeZone: timeZone || 'UTC',
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    hour: '2-digit',
    minute: '2-digit',
    second: d.getUTCSeconds() !== 0 ? '2-digit' : undefined,
    hour12: false,
  }).format(d);
}
