import { Button, Collapse, Group, Stack, Text, Textarea } from '@mantine/core';
import { IconWorld } from '@tabler/icons-react';
import { useEffect, useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { FormErrors } from '../../components/FormErrors';
import { fieldErrors, onFields } from '../../lib/errors';
import { dateTime } from '../../lib/format';
import { useSession } from '../../lib/session';
import { IncidentPublicNoteDocument, SetIncidentPublicNoteDocument } from './api';

/**
 * What public status pages say about an incident. Admins write it; it is
 * fetched only when opened, so a list of incidents costs nothing extra.
 */
export function PublicNoteEditor({ incidentId }: { incidentId: string }) {
  const { user } = useSession();
  const [open, setOpen] = useState(false);
  const [res, refetch] = useQuery({ query: IncidentPublicNoteDocument, variables: { id: incidentId }, pause: !open });
  const [saveResult, save] = useMutation(SetIncidentPublicNoteDocument);
  const [text, setText] = useState('');
  const current = res.data?.incidentPublicNote ?? null;
  useEffect(() => setText(current?.body ?? ''), [current?.body]);
  if (!user?.isAdmin) return null;
  const errs = fieldErrors(saveResult.error);
  return (
    <Stack gap={4}>
      <Group>
        <Button size="xs" variant="subtle" leftSection={<IconWorld size={14} />} onClick={() => setOpen((o) => !o)} aria-expanded={open}>
          Public note on status pages
        </Button>
      </Group>
      <Collapse in={open}>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void save({ id: incidentId, note: text }).then((r) => {
              if (!r.error) refetch({ requestPolicy: 'network-only' });
            });
          }}
        >
          <Stack gap={4}>
            <FormErrors error={saveResult.error} placed={onFields('note')} />
            <Textarea
              label="Public note"
              description="Shown on every status page that lists this monitor while the incident is open. Internal notes and the summary never are."
              autosize
              minRows={2}
              maxRows={6}
              maxLength={4000}
              value={text}
              onChange={(e) => setText(e.currentTarget.value)}
              error={errs.note}
            />
            <Group justify="space-between">
              <Text size="xs" c="dimmed">
                {current ? `Last written ${dateTime(current.updatedAt)}` : 'Nothing said publicly yet'}
              </Text>
              <Button type="submit" size="xs" variant="default" loading={saveResult.fetching}>
                {text.trim() === '' ? 'Remove public note' : 'Save public note'}
              </Button>
            </Group>
          </Stack>
        </form>
      </Collapse>
    </Stack>
  );
}
