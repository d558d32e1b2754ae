// The GraphQL client: queries and mutations over HTTP with the session cookie,
// subscriptions (runUpdated) over graphql-ws on the same /graphql path.
import { Client, cacheExchange, fetchExchange, mapExchange, subscriptionExchange } from 'urql';
import { createClient as createWSClient } from 'graphql-ws';

/** The event the session listens to: some request found the session gone. */
export const UNAUTHENTICATED_EVENT = 'catena:unauthenticated';

/** Builds the client. A result saying UNAUTHENTICATED makes the session check who is signed in. */
export function createClient(): Client {
  const wsURL = `${window.location.protocol === 'https:' ? 'wss' : 'ws'}://${window.location.host}/graphql`;
  const ws = createWSClient({ url: wsURL, lazy: true, retryAttempts: 5 });
  return new Client({
    url: '/graphql',
    requestPolicy: 'cache-and-network',
    fetchOptions: () => ({ credentials: 'same-origin' }),
    exchanges: [
      mapExchange({
        onError(error) {
          const unauth = error.response?.status === 401 || error.graphQLErrors.some((e) => e.extensions?.code === 'UNAUTHENTICATED');
          if (unauth) window.dispatchEvent(new Event(UNAUTHENTICATED_EVENT));
        },
      }),
      cacheExchange,
      fetchExchange,
      subscriptionExchange({
        forwardSubscription(request) {
          const input = { ...request, query: request.query ?? '' };
          return {
            subscribe(sink) {
              const unsubscribe = ws.subscribe(input, sink);
              return { unsubscribe };
            },
          };
        },
      }),
    ],
  });
}
