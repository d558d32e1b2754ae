// The editor keeps its unsaved working copy in localStorage, so a crash, a
// reload or an expired session does not lose work; Save (or Discard) clears it.
import { newKey, type CollectionDraft } from './model';

const PREFIX = 'catena:draft:collection:';

export interface StoredDraft {
  draft: CollectionDraft;
  /** The fingerprint of the saved collection the draft was edited from. */
  base: string;
  /** When it was last written (ISO). */
  at: string;
}

/** The storage the drafts live in; tests pass their own. */
export interface DraftStorage {
  getItem(k: string): string | null;
  setItem(k: string, v: string): void;
  removeItem(k: string): void;
}

function storage(): DraftStorage | null {
  try {
    return window.localStorage;
  } catch {
    return null; // storage disabled: no drafts, the navigation guard still works
  }
}

export function saveDraft(id: string, draft: CollectionDraft, base: string, s: DraftStorage | null = storage(), now = new Date()): void {
  const v: StoredDraft = { draft, base, at: now.toISOString() };
  try {
    s?.setItem(PREFIX + id, JSON.stringify(v));
  } catch {
    // Quota exceeded: the draft is a convenience, the editor keeps working.
  }
}

export function clearDraft(id: string, s: DraftStorage | null = storage()): void {
  s?.removeItem(PREFIX + id);
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The stored draft of a collection, with fresh client keys, or null when none (or unreadable). */
export function loadDraft(id: string, s: DraftStorage | null = storage()): StoredDraft | null {
  const raw = s?.getItem(PREFIX + id);
  if (!raw) return null;
  try {
    const v: unknown = JSON.parse(raw);
    if (!isObj(v) || typeof v.base !== 'string' || typeof v.at !== 'string' || !isObj(v.draft)) return null;
    const d = v.draft;
    if (typeof d.name !== 'string' || typeof d.description !== 'string' || !Array.isArray(d.variables) || !Array.isArray(d.steps)) return null;
    const draft = d as unknown as CollectionDraft;
    return { base: v.base, at: v.at, draft: rekey(draft) };
  } catch {
    return null;
  }
}

/** Gives every row new client keys: keys of another page load may repeat this one's. */
function rekey(d: CollectionDraft): CollectionDraft {
  return {
    ...d,
    variables: d.variables.map((v) => ({ ...v, key: newKey() })),
    steps: d.steps.map((st) => ({
      ...st,
      key: newKey(),
      headers: st.headers.map((h) => ({ ...h, key: newKey() })),
      assertions: st.assertions.map((a) => ({ ...a, key: newKey() })),
    })),
  };
}
