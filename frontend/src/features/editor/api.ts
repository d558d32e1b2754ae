import { graphql } from '../../gql';

export const CollectionEditorDocument = graphql(`
  query CollectionEditor($id: ID!) {
    collection(id: $id) {
      id
      name
      description
      updatedAt
      latestVersion
      variables {
        name
        value
      }
      secrets {
        name
        isSet
      }
      steps {
        id
        name
        kind
        actions
        method
        url
        headers {
          name
          value
        }
        body
        timeoutMs
        alwaysRun
        continueOnFailure
        followRedirects
        insecure
        retry {
          attempts
          intervalMs
        }
        assertions {
          source
          property
          comparison
          target
        }
      }
      monitors {
        id
        name
      }
      lastRun {
        ...RunFields
      }
    }
  }
`);

export const ReplaceCollectionDocument = graphql(`
  mutation ReplaceCollection($id: ID!, $input: CollectionInput!) {
    replaceCollection(id: $id, input: $input) {
      id
      updatedAt
    }
  }
`);

export const SetSecretDocument = graphql(`
  mutation SetSecret($collectionId: ID!, $name: String!, $value: String) {
    setSecret(collectionId: $collectionId, name: $name, value: $value) {
      id
      secrets {
        name
        isSet
      }
    }
  }
`);

export const ExportCollectionDocument = graphql(`
  query ExportCollection($id: ID!, $format: ExportFormat) {
    exportCollection(id: $id, format: $format)
  }
`);

export const RunCollectionDocument = graphql(`
  mutation RunCollection($id: ID!, $location: String) {
    runCollection(id: $id, location: $location) {
      ...RunFields
    }
  }
`);
