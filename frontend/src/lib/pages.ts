// "Load more" over the monitors connection: pages are appended in order and a
// monitor seen twice (the list moved between two requests) is kept once.

export interface PageInfoLike {
  hasNextPage: boolean;
  endCursor: string | null;
}

/** have followed by the items of page that are not already in it. */
export function appendPage<T extends { id: string }>(have: ReadonlyArray<T>, page: ReadonlyArray<T>): T[] {
  const seen = new Set(have.map((x) => x.id));
  const out = [...have];
  for (const x of page) {
    if (!seen.has(x.id)) {
      seen.add(x.id);
      out.push(x);
    }
  }
  return out;
}

/**
 * The cursor to ask the next page after: the last loaded page's end, or null
 * when there is no further page.
 */
export function nextAfter(last: PageInfoLike | null | undefined): string | null {
  if (!last || !last.hasNextPage || !last.endCursor) return null;
  return last.endCursor;
}
