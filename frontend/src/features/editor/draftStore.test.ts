import { describe, expect, it } from 'vitest';
import { clearDraft, loadDraft, saveDraft, type DraftStorage } from './draftStore';
import { fingerprint, newStep, type CollectionDraft } from './model';

function memory(): DraftStorage & { m: Map<string, string> } {
  const m = new Map<string, string>();
  return { m, getItem: (k) => m.get(k) ?? null, setItem: (k, v) => void m.set(k, v), removeItem: (k) => void m.delete(k) };
}

describe('drafts', () => {
  it('round-trip with fresh keys, and are cleared', () => {
    const s = memory();
    const d: CollectionDraft = { name: 'c', description: '', variables: [], steps: [{ ...newStep([]), name: 'get_order' }] };
    saveDraft('7', d, 'base-fp', s, new Date('2026-01-02T03:04:05Z'));
    const got = loadDraft('7', s);
    expect(got?.base).toBe('base-fp');
    expect(got?.at).toBe('2026-01-02T03:04:05.000Z');
    expect(got && fingerprint(got.draft)).toBe(fingerprint(d));
    expect(got?.draft.steps[0].key).not.toBe(d.steps[0].key);
    expect(loadDraft('8', s)).toBeNull();
    clearDraft('7', s);
    expect(loadDraft('7', s)).toBeNull();
  });
  it('ignores what it cannot read', () => {
    const s = memory();
    s.setItem('catena:draft:collection:1', '{not json');
    s.setItem('catena:draft:collection:2', JSON.stringify({ base: 'x', at: 'y', draft: { name: 1 } }));
    expect(loadDraft('1', s)).toBeNull();
    expect(loadDraft('2', s)).toBeNull();
  });
});
