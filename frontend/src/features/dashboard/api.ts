import { graphql } from '../../gql';

export const DashboardDocument = graphql(`
  query Dashboard {
    monitors(first: 50) {
      edges {
        node {
          ...MonitorCard
        }
      }
    }
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
  }
`);
