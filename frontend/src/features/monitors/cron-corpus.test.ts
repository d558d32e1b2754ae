// The GUI's schedule preview against the server's engine: both are checked
// against one corpus of schedules, time zones and next run times (DST nights
// included), internal/collection/schedulespec/testdata/cron-corpus.json, whose
// Go side is corpus_test.go. A case the preview gets wrong here is a case where
// the form would show the user run times the server will not use.
import { describe, expect, it } from 'vitest';
import { previewSchedule } from './schedule';

interface CorpusCase {
  name: string;
  schedule: string;
  timeZone: string;
  from: string;
  count?: number;
  next: string[];
}

interface Corpus {
  cases: CorpusCase[];
  rejected: Array<{ schedule: string; timeZone: string }>;
}

// Loaded through Vite rather than a static import so that the type check of a
// build that has only frontend/ (the Dockerfile's GUI stage) does not need the file.
const found = import.meta.glob<Corpus>('../../../../internal/collection/schedulespec/testdata/cron-corpus.json', {
  eager: true,
  import: 'default',
});
const corpus: Corpus = Object.values(found)[0] ?? { cases: [], rejected: [] };
const cases = corpus.cases;

describe('schedule preview matches the server engine', () => {
  it('has the whole corpus', () => {
    expect(Object.keys(found)).toHaveLength(1);
    expect(cases.length).toBeGreaterThanOrEqual(15);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const p = previewSchedule(c.schedule, c.timeZone, new Date(c.from), c.next.length);
    if (!p.ok) throw new Error(p.error);
    expect(p.next.map((d) => d.toISOString().replace('.000Z', 'Z'))).toEqual(c.next);
  });

  it.each(corpus.rejected.map((r) => [r.schedule, r.timeZone] as const))('rejects %s in %s', (schedule, timeZone) => {
    expect(previewSchedule(schedule, timeZone, new Date('2026-11-22T00:00:00Z')).ok).toBe(false);
  });
});
