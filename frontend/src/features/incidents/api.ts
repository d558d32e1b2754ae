import { graphql } from '../../gql';

// One alert delivery as the deliveries table shows it (an incident's and a channel's).
export const DeliveryFieldsDoc = graphql(`
  fragment DeliveryFields on Delivery {
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
`);

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
      snoozedUntil
      assignee {
        id
        name
        email
      }
      notes {
        id
        body
        createdAt
        author {
          id
          name
          email
        }
      }
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
        ...DeliveryFields
      }
    }
  }
`);

export const ChannelDeliveriesDocument = graphql(`
  query ChannelDeliveries($channelId: ID) {
    deliveries(channelId: $channelId, first: 50) {
      ...DeliveryFields
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

export const AssigneesDocument = graphql(`
  query Assignees {
    assignees {
      id
      name
      email
    }
  }
`);

export const AcknowledgeIncidentDocument = graphql(`
  mutation AcknowledgeIncident($id: ID!) {
    acknowledgeIncident(id: $id) {
      id
      status
      acknowledgedAt
    }
  }
`);

export const AssignIncidentDocument = graphql(`
  mutation AssignIncident($id: ID!, $userId: ID) {
    assignIncident(id: $id, userId: $userId) {
      id
      assignee {
        id
        name
        email
      }
    }
  }
`);

export const SnoozeIncidentDocument = graphql(`
  mutation SnoozeIncident($id: ID!, $minutes: Int!) {
    snoozeIncident(id: $id, minutes: $minutes) {
      id
      snoozedUntil
    }
  }
`);

export const AddIncidentNoteDocument = graphql(`
  mutation AddIncidentNote($id: ID!, $body: String!) {
    addIncidentNote(id: $id, body: $body) {
      id
      body
      createdAt
    }
  }
`);
