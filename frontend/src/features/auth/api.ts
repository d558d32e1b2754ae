import { graphql } from '../../gql';

export const LoginDocument = graphql(`
  mutation Login($email: String!, $password: String!) {
    login(email: $email, password: $password) {
      id
      email
    }
  }
`);

export const SetupDocument = graphql(`
  mutation Setup($token: String!, $email: String!, $name: String!, $password: String!) {
    setup(token: $token, email: $email, name: $name, password: $password) {
      id
      email
    }
  }
`);
