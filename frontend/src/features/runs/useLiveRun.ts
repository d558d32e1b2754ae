import { useSubscription } from 'urql';
import type { RunFieldsFragment } from '../../gql/graphql';
import { RunUpdatedDocument } from './api';

const FINAL = ['PASSED', 'FAILED', 'ERRORED', 'MISSED', 'CANCELLED'];

export function isFinal(status: string): boolean {
  return FINAL.includes(status);
}

/**
 * The run as it changes: the runUpdated subscription sends the current state at
 * once and then each step as it finishes. `initial` shows until the first event.
 */
export function useLiveRun(id: string | null, initial: RunFieldsFragment | null | undefined): { run: RunFieldsFragment | null; error: string | null } {
  const done = initial ? isFinal(initial.status) : false;
  const [sub] = useSubscription({ query: RunUpdatedDocument, variables: { id: id ?? '' }, pause: !id || done });
  const live = sub.data?.runUpdated;
  const run = live && (!initial || live.id === initial.id) ? live : (initial ?? null);
  return { run, error: sub.error ? sub.error.message : null };
}
