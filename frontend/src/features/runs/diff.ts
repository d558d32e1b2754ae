// Side-by-side line diff for comparing a failed run with the last passing one.
// A plain LCS over lines, capped so a large body cannot stall the page.

export type DiffKind = 'same' | 'changed' | 'removed' | 'added';

export interface DiffRow {
  kind: DiffKind;
  left: string | null;
  right: string | null;
  leftNo: number | null;
  rightNo: number | null;
}

const MAX_LINES = 1500;

/** Rows for a two-column view: unchanged lines side by side, a removed+added pair shown as changed. */
export function diffLines(leftText: string, rightText: string): DiffRow[] {
  const a = leftText === '' ? [] : leftText.split('\n').slice(0, MAX_LINES);
  const b = rightText === '' ? [] : rightText.split('\n').slice(0, MAX_LINES);
  const n = a.length;
  const m = b.length;
  // lcs[i][j] = length of the LCS of a[i:] and b[j:]
  const lcs: Uint16Array[] = Array.from({ length: n + 1 }, () => new Uint16Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  const raw: DiffRow[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      raw.push({ kind: 'same', left: a[i], right: b[j], leftNo: i + 1, rightNo: j + 1 });
      i++;
      j++;
    } else if (j < m && (i >= n || lcs[i][j + 1] >= lcs[i + 1][j])) {
      raw.push({ kind: 'added', left: null, right: b[j], leftNo: null, rightNo: j + 1 });
      j++;
    } else {
      raw.push({ kind: 'removed', left: a[i], right: null, leftNo: i + 1, rightNo: null });
      i++;
    }
  }
  // Pair runs of removed lines with the added lines that follow them.
  const rows: DiffRow[] = [];
  for (let k = 0; k < raw.length; ) {
    if (raw[k].kind !== 'removed' && raw[k].kind !== 'added') {
      rows.push(raw[k++]);
      continue;
    }
    const removed: DiffRow[] = [];
    const added: DiffRow[] = [];
    while (k < raw.length && (raw[k].kind === 'removed' || raw[k].kind === 'added')) {
      (raw[k].kind === 'removed' ? removed : added).push(raw[k]);
      k++;
    }
    for (let p = 0; p < Math.max(removed.length, added.length); p++) {
      const l = removed[p];
      const r = added[p];
      if (l && r) rows.push({ kind: 'changed', left: l.left, right: r.right, leftNo: l.leftNo, rightNo: r.rightNo });
      else rows.push(l ?? r);
    }
  }
  return rows;
}

/** Whether two values differ enough to highlight (latency: 50% and 100 ms apart). */
export function latencyDiffers(a: number | null | undefined, b: number | null | undefined): boolean {
  if (a == null || b == null) return a !== b;
  return Math.abs(a - b) > 100 && Math.abs(a - b) > 0.5 * Math.min(a, b);
}
