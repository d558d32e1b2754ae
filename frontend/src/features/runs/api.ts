import { graphql } from '../../gql';

export const RunFieldsFragment = graphql(`
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

export const RunDocument = graphql(`
  query Run($id: ID!) {
    run(id: $id) {
      ...RunFields
    }
  }
`);

export const RunUpdatedDocument = graphql(`
  subscription RunUpdated($id: ID!) {
    runUpdated(id: $id) {
      ...RunFields
    }
  }
`);

export const RunCollectionDocument = graphql(`
  mutation RunCollection($id: ID!, $location: String) {
    runCollection(id: $id, location: $location) {
      ...RunFields
    }
  }
`);

export const CancelRunDocument = graphql(`
  mutation CancelRun($id: ID!) {
    cancelRun(id: $id) {
      id
      status
    }
  }
`);

export const RunsDocument = graphql(`
  query Runs($collectionId: ID, $monitorId: ID, $status: [RunStatus!], $location: String, $since: Time, $until: Time, $first: Int, $after: String) {
    runs(collectionId: $collectionId, monitorId: $monitorId, status: $status, location: $location, since: $since, until: $until, first: $first, after: $after) {
      edges {
        cursor
        node {
          id
          collectionName
          collection {
            id
          }
          monitor {
            id
            name
          }
          location
          trigger
          status
          error
          queuedAt
          finishedAt
          durationMs
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);

export const LastPassingRunDocument = graphql(`
  query LastPassingRun($collectionId: ID!, $until: Time) {
    runs(collectionId: $collectionId, status: [PASSED], until: $until, first: 1) {
      edges {
        node {
          ...RunFields
        }
      }
    }
  }
`);

export const RunFilterOptionsDocument = graphql(`
  query RunFilterOptions {
    monitors(first: 50) {
      edges {
        node {
          id
          name
          locations
        }
      }
    }
    collections(first: 100) {
      edges {
        node {
          id
          name
        }
      }
    }
  }
`);
