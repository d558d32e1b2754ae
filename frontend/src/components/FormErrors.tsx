// The errors of a failed request that no field of a form shows, above the form.
// Every form renders one, so a server error is never swallowed (issue 16).
import { Alert, List } from '@mantine/core';
import type { CombinedError } from 'urql';
import { unplacedErrors } from '../lib/errors';

export function FormErrors({ error, placed, title }: { error: CombinedError | undefined | null; placed: (path: string) => boolean; title?: string }) {
  const msgs = unplacedErrors(error, placed);
  if (msgs.length === 0) return null;
  return (
    <Alert color="red" role="alert" title={title} data-testid="form-errors">
      {msgs.length === 1 ? (
        msgs[0]
      ) : (
        <List size="sm">
          {msgs.map((m) => (
            <List.Item key={m}>{m}</List.Item>
          ))}
        </List>
      )}
    </Alert>
  );
}
