import { graphql } from '../../gql';

export const ChannelsDocument = graphql(`
  query Channels {
    alertChannels {
      id
      name
      type
      config {
        key
        value
      }
      lastError
      lastErrorAt
      updatedAt
    }
  }
`);

export const CreateChannelDocument = graphql(`
  mutation CreateChannel($input: AlertChannelInput!) {
    createAlertChannel(input: $input) {
      id
    }
  }
`);

export const UpdateChannelDocument = graphql(`
  mutation UpdateChannel($id: ID!, $input: AlertChannelInput!) {
    updateAlertChannel(id: $id, input: $input) {
      id
    }
  }
`);

export const DeleteChannelDocument = graphql(`
  mutation DeleteChannel($id: ID!) {
    deleteAlertChannel(id: $id)
  }
`);

export const TestChannelDocument = graphql(`
  mutation TestChannel($id: ID!) {
    testAlertChannel(id: $id) {
      ok
      message
    }
  }
`);
