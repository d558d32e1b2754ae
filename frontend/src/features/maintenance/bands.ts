// Maintenance openings as bands on a chart whose x axis is the series'
// bucket times (category labels, as the stats charts draw them).

export interface Opening {
  readonly start: string;
  readonly end: string;
}

export interface Band {
  readonly x1: string;
  readonly x2: string;
}

/**
 * The first and last bucket each opening touches: bucket i covers
 * [at_i, at_i + stepSeconds). Openings outside the series are dropped,
 * overlapping bands are merged.
 */
export function bands(points: ReadonlyArray<{ at: string }>, stepSeconds: number, openings: ReadonlyArray<Opening>): Band[] {
  if (points.length === 0) return [];
  const t = points.map((p) => Date.parse(p.at));
  const step = stepSeconds * 1000;
  const idx: Array<[number, number]> = [];
  for (const o of openings) {
    const s = Date.parse(o.start);
    const e = Date.parse(o.end);
    let first = -1;
    let last = -1;
    for (let i = 0; i < t.length; i++) {
      if (t[i] < e && t[i] + step > s) {
        if (first < 0) first = i;
        last = i;
      }
    }
    if (first >= 0) idx.push([first, last]);
  }
  idx.sort((a, b) => a[0] - b[0]);
  const merged: Array<[number, number]> = [];
  for (const r of idx) {
    const prev = merged.at(-1);
    if (prev && r[0] <= prev[1] + 1) prev[1] = Math.max(prev[1], r[1]);
    else merged.push([r[0], r[1]]);
  }
  return merged.map(([a, b]) => ({ x1: points[a].at, x2: points[b].at }));
}
