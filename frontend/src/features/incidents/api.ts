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
  }
`);

export const ChannelDeliveriesDocument = graphql(`
  query ChannelDeliveries($channelId: ID) {
    deliveries(channelId: $channelId, first: 50) {
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
`);

export const DeliveryChannelsDocument = graphql(`
  query DeliveryChannels {
    alertChannels {
      id
      name
      type
    }
  }
`);
