import { graphql } from '../../gql';

export const RunDocument = graphql(`
  query Run($id: ID!) {
    run(id: $id) {
      ...RunFields
      collectionVersion
      environment
      retryAttempt
      retryLimit
      retried
      retryOf {
        id
      }
      retryChain {
        id
        status
        retryAttempt
      }
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
  query Runs($collectionId: ID, $monitorId: ID, $status: [RunStatus!], $location: String, $since: Time, $until: Time, $first: Int, $after: String, $tag: String) {
    runs(collectionId: $collectionId, monitorId: $monitorId, status: $status, location: $location, since: $since, until: $until, first: $first, after: $after, tag: $tag) {
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
          quiet
          environment
          retryAttempt
          retried
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
    tags
  }
`);
