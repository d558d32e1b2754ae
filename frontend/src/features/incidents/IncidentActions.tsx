// What a person does about an incident: acknowledge it (no more reminders),
// take or hand it over, snooze its reminders for a while, and leave notes.
import { Button, Group, Menu, Paper, Select, Stack, Text, Textarea } from '@mantine/core';
import { IconAlarmSnooze, IconCheck, IconNote } from '@tabler/icons-react';
import { useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { FormErrors } from '../../components/FormErrors';
import type { IncidentsQuery } from '../../gql/graphql';
import { fieldErrors, onFields } from '../../lib/errors';
import { dateTime, relativeTime } from '../../lib/format';
import { PublicNoteEditor } from '../status/PublicNoteEditor';
import { AcknowledgeIncidentDocument, AddIncidentNoteDocument, AssigneesDocument, AssignIncidentDocument, SnoozeIncidentDocument } from './api';

type Incident = IncidentsQuery['incidents'][number];

const INCIDENT_CTX = { additionalTypenames: ['Incident', 'IncidentNote'] };

export const SNOOZES: Array<{ minutes: number; label: string }> = [
  { minutes: 30, label: '30 minutes' },
  { minutes: 60, label: '1 hour' },
  { minutes: 240, label: '4 hours' },
  { minutes: 1440, label: '1 day' },
  { minutes: 10080, label: '1 week' },
];

export function IncidentActions({ incident: i, onChanged }: { incident: Incident; onChanged: () => void }) {
  const [ackResult, ack] = useMutation(AcknowledgeIncidentDocument);
  const [assignResult, assign] = useMutation(AssignIncidentDocument);
  const [snoozeResult, snooze] = useMutation(SnoozeIncidentDocument);
  const [noteResult, addNote] = useMutation(AddIncidentNoteDocument);
  const [people] = useQuery({ query: AssigneesDocument, pause: i.status === 'RESOLVED' });
  const [note, setNote] = useState('');
  const resolved = i.status === 'RESOLVED';
  const snoozed = i.snoozedUntil && new Date(i.snoozedUntil) > new Date() ? i.snoozedUntil : null;
  const done = (r: { error?: unknown }) => {
    if (!r.error) onChanged();
  };
  const noteErrs = fieldErrors(noteResult.error);
  // The latest failed action's error; each action clears its own when it succeeds.
  const actionError = ackResult.error ?? assignResult.error ?? snoozeResult.error;
  return (
    <Stack gap="sm" data-testid="incident-actions">
      {!resolved && (
        <Group gap="sm" align="flex-end" wrap="wrap">
          {i.status === 'OPEN' && (
            <Button size="xs" leftSection={<IconCheck size={14} />} loading={ackResult.fetching} onClick={() => void ack({ id: i.id }, INCIDENT_CTX).then(done)}>
              Acknowledge
            </Button>
          )}
          <Select
            size="xs"
            label="Assignee"
            placeholder="nobody"
            w={220}
            clearable
            data={(people.data?.assignees ?? []).map((u) => ({ value: u.id, label: u.name ? `${u.name} (${u.email})` : u.email }))}
            value={i.assignee?.id ?? null}
            onChange={(v) => void assign({ id: i.id, userId: v }, INCIDENT_CTX).then(done)}
          />
          <Menu position="bottom-start">
            <Menu.Target>
              <Button size="xs" variant="light" leftSection={<IconAlarmSnooze size={14} />} loading={snoozeResult.fetching}>
                {snoozed ? 'Snoozed' : 'Snooze reminders'}
              </Button>
            </Menu.Target>
            <Menu.Dropdown>
              {SNOOZES.map((s) => (
                <Menu.Item key={s.minutes} onClick={() => void snooze({ id: i.id, minutes: s.minutes }, INCIDENT_CTX).then(done)}>
                  for {s.label}
                </Menu.Item>
              ))}
              {snoozed && (
                <Menu.Item color="red" onClick={() => void snooze({ id: i.id, minutes: 0 }, INCIDENT_CTX).then(done)}>
                  End the snooze
                </Menu.Item>
              )}
            </Menu.Dropdown>
          </Menu>
          {snoozed && (
            <Text size="xs" c="dimmed" data-testid="snoozed-until" title={dateTime(snoozed)}>
              no reminders until {dateTime(snoozed)}
            </Text>
          )}
        </Group>
      )}
      <FormErrors error={actionError} placed={() => false} />
      <Stack gap={4} data-testid="incident-notes">
        {i.notes.map((n) => (
          <Paper key={n.id} withBorder p="xs" data-testid="incident-note">
            <Text size="xs" c="dimmed">
              {n.author ? n.author.name || n.author.email : 'deleted user'} · <span title={dateTime(n.createdAt)}>{relativeTime(n.createdAt)}</span>
            </Text>
            <Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>
              {n.body}
            </Text>
          </Paper>
        ))}
      </Stack>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void addNote({ id: i.id, body: note }, INCIDENT_CTX).then((r) => {
            if (!r.error) {
              setNote('');
              onChanged();
            }
          });
        }}
      >
        <Stack gap={4}>
          <FormErrors error={noteResult.error} placed={onFields('body')} />
          <Textarea label="Add a note" placeholder="What you found, what you did" autosize minRows={2} maxRows={8} value={note} onChange={(e) => setNote(e.currentTarget.value)} error={noteErrs.body} maxLength={4000} />
          <Group justify="flex-end">
            <Button type="submit" size="xs" variant="default" leftSection={<IconNote size={14} />} loading={noteResult.fetching} disabled={note.trim() === ''}>
              Add note
            </Button>
          </Group>
        </Stack>
      </form>
      <PublicNoteEditor incidentId={i.id} />
    </Stack>
  );
}
