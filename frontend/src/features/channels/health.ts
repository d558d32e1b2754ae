// A channel's health as the channels page shows it: alerting records the last
// permanent delivery failure (a revoked webhook, a wrong routing key) and
// clears it on the next success.

const MAX_BADGE = 80;

/** The badge text for a failing channel, or null when it works. */
export function failingBadge(lastError: string | null | undefined): string | null {
  const msg = (lastError ?? '').replace(/\s+/g, ' ').trim();
  if (msg === '') return null;
  const short = msg.length > MAX_BADGE ? `${msg.slice(0, MAX_BADGE - 1)}…` : msg;
  return `failing: ${short}`;
}
