import { graphql } from '../../gql';

export const LocationQueueDoc = graphql(`
  fragment LocationQueue on Location {
    name
    queuedRuns
    oldestQueuedAt
    oldestQueuedSeconds
    monitors
  }
`);

// The monitors themselves come page by page (MonitorsDocument, "load more").
export const DashboardDocument = graphql(`
  query Dashboard {
    incidents(status: [OPEN, ACKNOWLEDGED], first: 20) {
      id
      status
      kind
      summary
      openedAt
      monitor {
        id
        name
      }
      collection {
        id
        name
      }
      lastRun {
        id
      }
    }
    locations {
      ...LocationQueue
    }
  }
`);
