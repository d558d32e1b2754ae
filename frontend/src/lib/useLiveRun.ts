import { useSubscription } from 'urql';
import { RunFieldsDoc } from '../components/runFields';
import { getFragmentData, graphql, type FragmentType } from '../gql';
import type { RunFieldsFragment } from '../gql/graphql';

export const RunUpdatedDocument = graphql(`
  subscription RunUpdated($id: ID!) {
    runUpdated(id: $id) {
      ...RunFields
    }
  }
`);

const FINAL = ['PASSED', 'FAILED', 'ERRORED', 'MISSED', 'CANCELLED'];

export function isFinal(status: string): boolean {
  return FINAL.includes(status);
}

/**
 * The run as it changes: the runUpdated subscription sends the current state at
 * once and then each step as it finishes. `initial` (as a query returned it)
 * shows until the first event.
 */
export function useLiveRun(id: string | null, initialRef: FragmentType<typeof RunFieldsDoc> | null | undefined): { run: RunFieldsFragment | null; error: string | null } {
  const initial = getFragmentData(RunFieldsDoc, initialRef);
  const done = initial ? isFinal(initial.status) : false;
  const [sub] = useSubscription({ query: RunUpdatedDocument, variables: { id: id ?? '' }, pause: !id || done });
  const live = getFragmentData(RunFieldsDoc, sub.data?.runUpdated);
  const run = live && (!initial || live.id === initial.id) ? live : (initial ?? null);
  return { run, error: sub.error ? sub.error.message : null };
}
