import { graphql } from '../../gql';

export const VersionsDocument = graphql(`
  query Versions($objectType: VersionObjectType!, $objectId: ID!, $first: Int, $after: String) {
    versions(objectType: $objectType, objectId: $objectId, first: $first, after: $after) {
      edges {
        node {
          version
          actor
          createdAt
          summary
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);

export const VersionDetailDocument = graphql(`
  query VersionDetail($objectType: VersionObjectType!, $objectId: ID!, $version: Int!) {
    version(objectType: $objectType, objectId: $objectId, version: $version) {
      version
      actor
      createdAt
      summary
      document
      diff
      diffToCurrent
    }
  }
`);

export const RestoreCollectionVersionDocument = graphql(`
  mutation RestoreCollectionVersion($id: ID!, $version: Int!) {
    restoreCollectionVersion(id: $id, version: $version) {
      id
      latestVersion
      updatedAt
    }
  }
`);

export const RestoreMonitorVersionDocument = graphql(`
  mutation RestoreMonitorVersion($id: ID!, $version: Int!) {
    restoreMonitorVersion(id: $id, version: $version) {
      id
      name
      schedule
    }
  }
`);
