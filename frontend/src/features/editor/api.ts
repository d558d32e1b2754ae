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
      environments {
        ...EnvironmentFields
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
  mutation RunCollection($id: ID!, $location: String, $environment: String) {
    runCollection(id: $id, location: $location, environment: $environment) {
      ...RunFields
    }
  }
`);

export const EnvironmentFieldsDoc = graphql(`
  fragment EnvironmentFields on Environment {
    name
    shared
    variables {
      name
      value
    }
    secrets {
      name
      isSet
    }
  }
`);

export const SetEnvironmentDocument = graphql(`
  mutation SetEnvironment($collectionId: ID, $input: EnvironmentInput!) {
    setEnvironment(collectionId: $collectionId, input: $input) {
      ...EnvironmentFields
    }
  }
`);

export const DeleteEnvironmentDocument = graphql(`
  mutation DeleteEnvironment($collectionId: ID, $name: String!) {
    deleteEnvironment(collectionId: $collectionId, name: $name)
  }
`);
