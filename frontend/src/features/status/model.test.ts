import { describe, expect, it } from 'vitest';
import { badgeMarkdown, chooseMonitors, move, slugFrom, slugProblem, takenElsewhere, toInput } from './model';

describe('slugs', () => {
  it.each([
    ['acme', null],
    ['acme-api-2', null],
    ['ab', 'A slug is 3 to 64 characters long.'],
    ['a'.repeat(65), 'A slug is 3 to 64 characters long.'],
    ['Acme', 'Use lowercase letters, digits and single dashes between them, e.g. acme-api.'],
    ['acme--api', 'Use lowercase letters, digits and single dashes between them, e.g. acme-api.'],
    ['-acme', 'Use lowercase letters, digits and single dashes between them, e.g. acme-api.'],
    ['acme_api', 'Use lowercase letters, digits and single dashes between them, e.g. acme-api.'],
  ])('%s', (slug, want) => expect(slugProblem(slug)).toBe(want));

  it('suggests a valid slug from a title', () => {
    expect(slugFrom('Acme API — EU')).toBe('acme-api-eu');
    expect(slugFrom('  Café  Größe! ')).toBe('cafe-gro-e');
    expect(slugProblem(slugFrom(`${'x'.repeat(63)} y`))).toBeNull();
  });
});

describe('groups', () => {
  it('moves within bounds only', () => {
    expect(move([1, 2, 3], 0, 1)).toEqual([2, 1, 3]);
    expect(move([1, 2, 3], 2, 1)).toEqual([1, 2, 3]);
    expect(move([1, 2, 3], 0, -1)).toEqual([1, 2, 3]);
  });

  it('keeps display names of monitors that stay chosen', () => {
    const g = { name: 'g', monitors: [{ monitorId: '1', displayName: 'API' }, { monitorId: '2', displayName: 'Web' }] };
    expect(chooseMonitors(g, ['2', '3']).monitors).toEqual([
      { monitorId: '2', displayName: 'Web' },
      { monitorId: '3', displayName: '' },
    ]);
  });

  it('knows which monitors other groups hold', () => {
    const groups = [
      { name: 'a', monitors: [{ monitorId: '1', displayName: '' }] },
      { name: 'b', monitors: [{ monitorId: '2', displayName: '' }] },
    ];
    expect([...takenElsewhere(groups, 0)]).toEqual(['2']);
  });

  it('trims what it sends', () => {
    expect(toInput({ slug: ' acme ', title: ' T ', description: ' d ', showLatency: true, groups: [{ name: ' g ', monitors: [{ monitorId: '1', displayName: ' API ' }] }] })).toEqual({
      slug: 'acme',
      title: 'T',
      description: 'd',
      showLatency: true,
      groups: [{ name: 'g', monitors: [{ monitorId: '1', displayName: 'API' }] }],
    });
  });
});

describe('badge markdown', () => {
  it('writes each kind', () => {
    expect(badgeMarkdown('https://c.example', '/badge/k.svg', 'status')).toBe('![status](https://c.example/badge/k.svg)');
    expect(badgeMarkdown('https://c.example', '/badge/k.svg', 'uptime', '30d')).toBe('![uptime 30d](https://c.example/badge/k.svg?kind=uptime&window=30d)');
  });
});
