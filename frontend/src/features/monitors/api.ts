import { graphql } from '../../gql';

export const MonitorDocument = graphql(`
  query Monitor($id: ID!) {
    monitor(id: $id) {
      ...MonitorCard
      channels {
        id
        name
        type
      }
      policy {
        failureThreshold
        recoveryEnabled
        recoveryThreshold
        reminderIntervalMinutes
        erroredMode
        minFailedLocations
      }
      environments {
        collection {
          id
        }
        environment
      }
      retry {
        retries
        delaySeconds
        location
      }
    }
  }
`);

export const MonitorFormOptionsDocument = graphql(`
  query MonitorFormOptions {
    collections(first: 200) {
      edges {
        node {
          id
          name
          environments {
            name
            shared
          }
        }
      }
    }
    locations {
      name
    }
    alertChannels {
      id
      name
      type
    }
  }
`);

export const SchedulePreviewDocument = graphql(`
  query SchedulePreview($schedule: String!, $timeZone: String) {
    schedulePreview(schedule: $schedule, timeZone: $timeZone, count: 5)
  }
`);

export const CreateMonitorDocument = graphql(`
  mutation CreateMonitor($input: MonitorInput!) {
    createMonitor(input: $input) {
      id
    }
  }
`);

export const UpdateMonitorDocument = graphql(`
  mutation UpdateMonitor($id: ID!, $input: MonitorInput!) {
    updateMonitor(id: $id, input: $input) {
      id
    }
  }
`);

export const DeleteMonitorDocument = graphql(`
  mutation DeleteMonitor($id: ID!) {
    deleteMonitor(id: $id)
  }
`);

export const PauseMonitorDocument = graphql(`
  mutation PauseMonitor($id: ID!) {
    pauseMonitor(id: $id) {
      id
      enabled
      state
    }
  }
`);

export const ResumeMonitorDocument = graphql(`
  mutation ResumeMonitor($id: ID!) {
    resumeMonitor(id: $id) {
      id
      enabled
      state
    }
  }
`);

export const RunMonitorNowDocument = graphql(`
  mutation RunMonitorNow($id: ID!) {
    runMonitorNow(id: $id) {
      id
      status
      location
    }
  }
`);
