// Location queues: a location whose runs wait with no runner to take them is
// shown in warning colour once its oldest run has waited over a minute.

export interface LocationQueueLike {
  name: string;
  queuedRuns: number;
  oldestQueuedSeconds: number | null;
}

/** How long a queued run may wait before its location is flagged. */
export const STUCK_AFTER_SECONDS = 60;

export type QueueState = 'idle' | 'waiting' | 'stuck';

export function queueState(l: LocationQueueLike, stuckAfter = STUCK_AFTER_SECONDS): QueueState {
  if (l.queuedRuns === 0 || l.oldestQueuedSeconds === null) return 'idle';
  return l.oldestQueuedSeconds > stuckAfter ? 'stuck' : 'waiting';
}

/** "12 s", "3 min", "2 h 5 min", "1 d 4 h". */
export function formatAge(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 24) return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d} d ${h % 24} h` : `${d} d`;
}

/** A one-line summary of a location's queue. */
export function describeQueue(l: LocationQueueLike): string {
  if (l.queuedRuns === 0 || l.oldestQueuedSeconds === null) return 'no run waiting';
  const runs = l.queuedRuns === 1 ? '1 run waiting' : `${l.queuedRuns} runs waiting`;
  return `${runs}, oldest for ${formatAge(l.oldestQueuedSeconds)}`;
}

/** Stuck locations first, then waiting, then idle; by name within each. */
export function sortLocations<T extends LocationQueueLike>(list: ReadonlyArray<T>): T[] {
  const rank: Record<QueueState, number> = { stuck: 0, waiting: 1, idle: 2 };
  return [...list].sort((a, b) => rank[queueState(a)] - rank[queueState(b)] || a.name.localeCompare(b.name));
}
