import { graphql } from '../../gql';

export const IncidentsDocument = graphql(`
  query Incidents($status: [IncidentStatus!]) {
    incidents(status: $status, first: 100) {
      id
      kind
      status
      summary
      openedAt
      acknowledgedAt
      resolvedAt
      lastNotifiedAt
      monitor {
        id
        name
      }
      collection {
        id
        name
      }
      firstRun {
        id
      }
      lastRun {
        id
      }
      deliveries {
        id
        event
        status
        attempts
        lastError
        createdAt
        deliveredAt
        channel {
          id
          name
          type
        }
      }
    }
    deliveries(first: 50) {
      id
      event
      status
      attempts
      lastError
      createdAt
      deliveredAt
      channel {
        id
        name
        type
      }
      incident {
        id
      }
    }
  }
`);
