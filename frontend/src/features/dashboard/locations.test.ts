import { describe, expect, it } from 'vitest';
import { describeQueue, formatAge, queueState, sortLocations } from './locations';

describe('queueState', () => {
  it('is idle with nothing waiting', () => {
    expect(queueState({ name: 'local', queuedRuns: 0, oldestQueuedSeconds: null })).toBe('idle');
  });
  it('is waiting for up to a minute, stuck after', () => {
    expect(queueState({ name: 'eu', queuedRuns: 2, oldestQueuedSeconds: 5 })).toBe('waiting');
    expect(queueState({ name: 'eu', queuedRuns: 2, oldestQueuedSeconds: 60 })).toBe('waiting');
    expect(queueState({ name: 'mars', queuedRuns: 7, oldestQueuedSeconds: 61 })).toBe('stuck');
  });
});

describe('describeQueue', () => {
  it('says how many runs wait and for how long', () => {
    expect(describeQueue({ name: 'mars', queuedRuns: 7, oldestQueuedSeconds: 600 })).toBe('7 runs waiting, oldest for 10 min');
    expect(describeQueue({ name: 'eu', queuedRuns: 1, oldestQueuedSeconds: 12 })).toBe('1 run waiting, oldest for 12 s');
    expect(describeQueue({ name: 'local', queuedRuns: 0, oldestQueuedSeconds: null })).toBe('no run waiting');
  });
});

describe('formatAge', () => {
  it('reads at a glance', () => {
    expect(formatAge(0)).toBe('0 s');
    expect(formatAge(59)).toBe('59 s');
    expect(formatAge(3600)).toBe('1 h');
    expect(formatAge(3900)).toBe('1 h 5 min');
    expect(formatAge(90000)).toBe('1 d 1 h');
  });
});

describe('sortLocations', () => {
  it('puts stuck locations first', () => {
    const got = sortLocations([
      { name: 'local', queuedRuns: 0, oldestQueuedSeconds: null },
      { name: 'eu', queuedRuns: 1, oldestQueuedSeconds: 3 },
      { name: 'mars', queuedRuns: 4, oldestQueuedSeconds: 300 },
    ]);
    expect(got.map((l) => l.name)).toEqual(['mars', 'eu', 'local']);
  });
});
