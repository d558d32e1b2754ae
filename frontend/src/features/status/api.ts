import { graphql } from '../../gql';

export const StatusPageFields = graphql(`
  fragment StatusPageFields on StatusPage {
    id
    slug
    title
    description
    showLatency
    path
    updatedAt
    groups {
      name
      monitors {
        monitorId
        displayName
        monitor {
          id
          name
        }
      }
    }
  }
`);

export const StatusPagesDocument = graphql(`
  query StatusPages {
    statusPages {
      ...StatusPageFields
    }
  }
`);

export const StatusPageDocument = graphql(`
  query StatusPage($id: ID!) {
    statusPage(id: $id) {
      ...StatusPageFields
    }
  }
`);

export const StatusPageMonitorsDocument = graphql(`
  query StatusPageMonitors {
    monitors(first: 500) {
      edges {
        node {
          id
          name
        }
      }
    }
  }
`);

export const CreateStatusPageDocument = graphql(`
  mutation CreateStatusPage($input: StatusPageInput!) {
    createStatusPage(input: $input) {
      ...StatusPageFields
    }
  }
`);

export const UpdateStatusPageDocument = graphql(`
  mutation UpdateStatusPage($id: ID!, $input: StatusPageInput!) {
    updateStatusPage(id: $id, input: $input) {
      ...StatusPageFields
    }
  }
`);

export const DeleteStatusPageDocument = graphql(`
  mutation DeleteStatusPage($id: ID!) {
    deleteStatusPage(id: $id)
  }
`);

export const MonitorBadgeDocument = graphql(`
  query MonitorBadge($id: ID!) {
    monitor(id: $id) {
      id
      badge {
        key
        path
      }
    }
  }
`);

export const SetMonitorBadgeDocument = graphql(`
  mutation SetMonitorBadge($id: ID!, $enabled: Boolean!) {
    setMonitorBadge(id: $id, enabled: $enabled) {
      id
      badge {
        key
        path
      }
    }
  }
`);

export const IncidentPublicNoteDocument = graphql(`
  query IncidentPublicNote($id: ID!) {
    incidentPublicNote(incidentId: $id) {
      body
      updatedAt
    }
  }
`);

export const SetIncidentPublicNoteDocument = graphql(`
  mutation SetIncidentPublicNote($id: ID!, $note: String!) {
    setIncidentPublicNote(id: $id, note: $note) {
      id
      publicNote {
        body
        updatedAt
      }
    }
  }
`);
