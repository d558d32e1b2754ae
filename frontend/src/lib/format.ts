// Small formatting helpers shared by the screens.

export function formatMs(ms: number | null | undefined): string {
  if (ms == null) return '—';
  // Run durations are stored in whole milliseconds: 0 means "under one".
  if (ms === 0) return '< 1 ms';
  if (ms < 10) return `${ms.toFixed(1)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  return `${Math.floor(ms / 60_000)} m ${Math.round((ms % 60_000) / 1000)} s`;
}

export function formatPercent(p: number | null | undefined): string {
  if (p == null) return '—';
  const v = p <= 1 ? p * 100 : p;
  return `${v >= 99.95 || v === 0 ? v.toFixed(0) : v.toFixed(v >= 99 ? 2 : 1)}%`;
}

const rtf = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });

/** "3 minutes ago", "in 2 hours"; falls back to a date past a week. */
export function relativeTime(iso: string | null | undefined, now: Date = new Date()): string {
  if (!iso) return '—';
  const d = new Date(iso);
  const s = Math.round((d.getTime() - now.getTime()) / 1000);
  const abs = Math.abs(s);
  if (abs < 45) return s <= 0 ? 'just now' : 'in a few seconds';
  if (abs < 3600) return rtf.format(Math.round(s / 60), 'minute');
  if (abs < 86_400) return rtf.format(Math.round(s / 3600), 'hour');
  if (abs < 7 * 86_400) return rtf.format(Math.round(s / 86_400), 'day');
  return d.toLocaleDateString();
}

export function dateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
}

/** Pretty-prints JSON; returns the text unchanged when it is not JSON. */
export function prettyBody(text: string | null | undefined): { text: string; json: boolean } {
  if (text == null || text === '') return { text: '', json: false };
  try {
    return { text: JSON.stringify(JSON.parse(text), null, 2), json: true };
  } catch {
    return { text, json: false };
  }
}

/** Go-style duration text ("1.5s", "250ms", "2m") to milliseconds; null when invalid. */
export function parseDuration(s: string): number | null {
  const t = s.trim();
  if (t === '') return null;
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
  let total = 0;
  let m: RegExpExecArray | null;
  let consumed = 0;
  while ((m = re.exec(t)) !== null) {
    const n = Number(m[1]);
    total += m[2] === 'ms' ? n : m[2] === 's' ? n * 1000 : m[2] === 'm' ? n * 60_000 : n * 3_600_000;
    consumed = re.lastIndex;
  }
  return consumed === t.length ? total : null;
}
