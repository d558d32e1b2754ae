import { graphql } from '../../gql';

export const CollectionsDocument = graphql(`
  query Collections($search: String, $first: Int, $after: String) {
    collections(search: $search, first: $first, after: $after) {
      edges {
        cursor
        node {
          id
          name
          description
          updatedAt
          lastRun {
            id
            status
            finishedAt
            queuedAt
            durationMs
          }
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);

export const CreateCollectionDocument = graphql(`
  mutation CreateCollection($input: CollectionInput!) {
    createCollection(input: $input) {
      id
      name
    }
  }
`);

export const DeleteCollectionDocument = graphql(`
  mutation DeleteCollection($id: ID!) {
    deleteCollection(id: $id)
  }
`);
