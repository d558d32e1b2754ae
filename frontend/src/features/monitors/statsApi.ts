import { graphql } from '../../gql';

export const MonitorWindowStatsDocument = graphql(`
  query MonitorWindowStats($id: ID!, $window: StatsWindow!) {
    monitorStats(monitorId: $id, range: { window: $window }) {
      runs
      passed
      failed
      errored
      missed
      uptime
      apdex
      apdexThresholdMs
      sloTarget
      errorBudgetLeft
      p50Ms
      p95Ms
      p99Ms
      percentilesExact
      steps {
        name
        executed
        p95Ms
        dnsMs
        connectMs
        tlsMs
        firstByteMs
      }
      series {
        stepSeconds
        points {
          at
          runs
          uptime
          apdex
          avgDurationMs
        }
      }
    }
  }
`);
