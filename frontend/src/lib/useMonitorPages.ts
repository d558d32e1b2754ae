// The monitors list page by page: the first page is a live query (refetched
// when a mutation touches a Monitor); "load more" appends the next pages,
// asked with the connection's after cursor.
import { useCallback, useState } from 'react';
import { useClient, useQuery } from 'urql';
import { getFragmentData, graphql } from '../gql';
import type { MonitorCardFragment } from '../gql/graphql';
import { errorMessage } from './errors';
import { appendPage, nextAfter, type PageInfoLike } from './pages';

// The fields a monitor card or row shows (dashboard and monitors list).
export const MonitorCardDoc = graphql(`
  fragment MonitorCard on Monitor {
    id
    name
    schedule
    timeZone
    enabled
    state
    locations
    nextRunAt
    tags
    maintenance {
      window {
        name
        mode
      }
      windowEndsAt
      mutedUntil
    }
    collections {
      id
      name
    }
    stats {
      uptime24h
      uptime7d
      p95LatencyMs24h
      p95LatencyMs7d
      apdex7d
      errorBudgetLeft7d
      runs24h
      latencyMs
      latest {
        at
        durationMs
        status
      }
    }
  }
`);

export const MonitorsDocument = graphql(`
  query Monitors($first: Int, $after: String) {
    monitors(first: $first, after: $after) {
      edges {
        node {
          ...MonitorCard
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);

/** Monitors per page: the dashboard's 100 with stats fit the API's complexity limit. */
export const MONITORS_PAGE = 100;

interface More {
  nodes: MonitorCardFragment[];
  pageInfo: PageInfoLike;
}

export function useMonitorPages(context: { additionalTypenames: string[] }, pageSize = MONITORS_PAGE) {
  const client = useClient();
  const [res, refetch] = useQuery({ query: MonitorsDocument, variables: { first: pageSize }, context });
  const [more, setMore] = useState<More | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const [moreError, setMoreError] = useState<string | null>(null);

  const firstNodes = res.data?.monitors.edges.map((e) => getFragmentData(MonitorCardDoc, e.node)) ?? [];
  const monitors = appendPage(firstNodes, more?.nodes ?? []);
  const after = nextAfter(more ? more.pageInfo : res.data?.monitors.pageInfo);

  const loadMore = useCallback(async () => {
    if (after === null) return;
    setLoadingMore(true);
    setMoreError(null);
    const r = await client.query(MonitorsDocument, { first: pageSize, after }, { ...context, requestPolicy: 'network-only' }).toPromise();
    setLoadingMore(false);
    if (r.error || !r.data) {
      setMoreError(errorMessage(r.error) ?? 'could not load more monitors');
      return;
    }
    const page = r.data.monitors;
    setMore((prev) => ({ nodes: appendPage(prev?.nodes ?? [], page.edges.map((e) => getFragmentData(MonitorCardDoc, e.node))), pageInfo: page.pageInfo }));
  }, [after, client, context, pageSize]);

  // A full refresh starts again from the first page.
  const reload = useCallback(() => {
    setMore(null);
    setMoreError(null);
    refetch({ requestPolicy: 'network-only' });
  }, [refetch]);

  return { res, monitors, hasMore: after !== null, loadMore, loadingMore, moreError, reload };
}
