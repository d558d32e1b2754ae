// The fields of a run that the run views render (RunSteps and the pages around
// it). Every query, mutation and subscription that returns a run spreads them.
import { graphql } from '../gql';

export const RunFieldsDoc = graphql(`
  fragment RunFields on Run {
    id
    collectionName
    collection {
      id
      name
    }
    monitor {
      id
      name
    }
    location
    trigger
    status
    quiet
    attempt
    error
    scheduledFor
    queuedAt
    startedAt
    finishedAt
    durationMs
    steps {
      position
      name
      status
      errorCode
      error
      traceId
      tries
      insecure
      startedAt
      request {
        method
        url
        headers {
          name
          value
        }
        body
      }
      response {
        status
        headers {
          name
          value
        }
        body
        bodyTruncated
        size
      }
      timings {
        dnsMs
        connectMs
        tlsMs
        firstByteMs
        totalMs
      }
      assertions {
        source
        property
        comparison
        target
        expected
        actual
        passed
        reason
      }
      ...BrowserStepFields
    }
  }
`);
