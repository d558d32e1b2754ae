import { graphql } from '../../gql';

export const WindowFieldsDoc = graphql(`
  fragment WindowFields on MaintenanceWindow {
    id
    name
    mode
    startsAt
    endsAt
    cron
    durationMinutes
    timeZone
    tag
    active
    nextOpening {
      start
      end
    }
    monitors {
      id
      name
    }
  }
`);

export const MaintenanceDocument = graphql(`
  query Maintenance {
    maintenanceWindows {
      ...WindowFields
    }
    mutes {
      id
      until
      monitor {
        id
        name
      }
      collection {
        id
        name
      }
      incident {
        id
      }
    }
    monitors(first: 500) {
      edges {
        node {
          id
          name
        }
      }
    }
    tags
  }
`);

export const CreateWindowDocument = graphql(`
  mutation CreateWindow($input: MaintenanceWindowInput!) {
    createMaintenanceWindow(input: $input) {
      ...WindowFields
    }
  }
`);

export const DeleteWindowDocument = graphql(`
  mutation DeleteWindow($id: ID!) {
    deleteMaintenanceWindow(id: $id)
  }
`);

export const MuteMonitorDocument = graphql(`
  mutation MuteMonitor($id: ID!, $minutes: Int) {
    muteMonitor(id: $id, minutes: $minutes) {
      id
      until
      monitor {
        id
        maintenance {
          mutedUntil
        }
      }
    }
  }
`);

export const MuteIncidentDocument = graphql(`
  mutation MuteIncident($id: ID!, $minutes: Int) {
    muteIncident(id: $id, minutes: $minutes) {
      id
      until
    }
  }
`);

export const UnmuteMonitorDocument = graphql(`
  mutation UnmuteMonitor($id: ID!) {
    unmuteMonitor(id: $id)
  }
`);

export const MonitorMaintenanceDocument = graphql(`
  query MonitorMaintenance($id: ID!) {
    monitor(id: $id) {
      id
      name
      tags
      maintenance {
        window {
          id
          name
          mode
        }
        windowEndsAt
        mutedUntil
      }
    }
  }
`);

export const SetMonitorTagsDocument = graphql(`
  mutation SetMonitorTags($id: ID!, $tags: [String!]!) {
    setMonitorTags(id: $id, tags: $tags) {
      id
      tags
    }
  }
`);

export const MonitorOpeningsDocument = graphql(`
  query MonitorOpenings($id: ID!, $from: Time!, $to: Time!) {
    monitor(id: $id) {
      id
      maintenanceWindows {
        id
        openings(from: $from, to: $to) {
          start
          end
        }
      }
    }
  }
`);
