// Alert channels: where incidents are sent. Settings with secrets come back
// masked; editing leaves a masked value untouched unless it is retyped.
import { ActionIcon, Badge, Button, Card, Group, Modal, Select, SimpleGrid, Stack, Text, TextInput, Tooltip } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { IconEdit, IconPlus, IconSend, IconTrash } from '@tabler/icons-react';
import { useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { EmptyState, ErrorState, Loading, PageHeader } from '../../components/States';
import type { ChannelType, ChannelsQuery } from '../../gql/graphql';
import { FormErrors } from '../../components/FormErrors';
import { errorMessage, fieldErrors } from '../../lib/errors';
import { dateTime, relativeTime } from '../../lib/format';
import { ChannelsDocument, CreateChannelDocument, DeleteChannelDocument, TestChannelDocument, UpdateChannelDocument } from './api';
import { failingBadge } from './health';

type Channel = ChannelsQuery['alertChannels'][number];

/** The settings each channel type needs. */
export const CHANNEL_FIELDS: Record<ChannelType, Array<{ key: string; label: string; placeholder: string; secret?: boolean; required?: boolean; generate?: boolean }>> = {
  SLACK: [{ key: 'webhook_url', label: 'Incoming webhook URL', placeholder: 'https://hooks.slack.com/services/…', secret: true, required: true }],
  DISCORD: [{ key: 'webhook_url', label: 'Webhook URL', placeholder: 'https://discord.com/api/webhooks/…', secret: true, required: true }],
  PAGERDUTY: [
    { key: 'routing_key', label: 'Routing key (Events API v2)', placeholder: 'R0ABC…', secret: true, required: true },
    { key: 'severity', label: 'Severity', placeholder: 'error (critical, error, warning, info)' },
  ],
  EMAIL: [{ key: 'addresses', label: 'Addresses', placeholder: 'ops@example.com, oncall@example.com', required: true }],
  WEBHOOK: [
    { key: 'url', label: 'URL', placeholder: 'https://example.com/hooks/catena', required: true },
    { key: 'secret', label: 'Signing secret (optional)', placeholder: 'empty: unsigned; else at least 16 characters', secret: true, generate: true },
  ],
};

const TYPES: ChannelType[] = ['SLACK', 'EMAIL', 'PAGERDUTY', 'DISCORD', 'WEBHOOK'];
const TYPE_LABELS: Record<ChannelType, string> = { SLACK: 'Slack', EMAIL: 'Email', PAGERDUTY: 'PagerDuty', DISCORD: 'Discord', WEBHOOK: 'Webhook' };

/** A random 32-character signing secret (24 bytes, base64url). */
export function generateSecret(): string {
  const b = new Uint8Array(24);
  crypto.getRandomValues(b);
  return btoa(String.fromCharCode(...b)).replace(/\+/g, '-').replace(/\//g, '_');
}

const CHANNEL_CTX = { additionalTypenames: ['AlertChannel'] };

function ChannelForm({ channel, onDone }: { channel: Channel | null; onDone: () => void }) {
  const [name, setName] = useState(channel?.name ?? '');
  const [type, setType] = useState<ChannelType>(channel?.type ?? 'SLACK');
  const [values, setValues] = useState<Record<string, string>>({});
  const [createResult, create] = useMutation(CreateChannelDocument);
  const [updateResult, update] = useMutation(UpdateChannelDocument);
  const result = channel ? updateResult : createResult;
  const errs = fieldErrors(result.error);
  const masked = Object.fromEntries((channel?.config ?? []).map((c) => [c.key, c.value]));
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const config = CHANNEL_FIELDS[type].map((fld) => ({ key: fld.key, value: values[fld.key] !== undefined && values[fld.key] !== '' ? values[fld.key] : channel && channel.type === type && fld.key in masked ? null : (values[fld.key] ?? '') }));
    const input = { name: name.trim(), type, config: config.filter((c) => c.value !== '') };
    const r = channel ? await update({ id: channel.id, input }) : await create({ input });
    if (!r.error) onDone();
  };
  return (
    <form onSubmit={(e) => void submit(e)}>
      <Stack>
        <FormErrors error={result.error} placed={(p) => p === 'name' || CHANNEL_FIELDS[type].some((f) => p === `config.${f.key}` || p === f.key)} />
        <TextInput label="Name" required value={name} onChange={(e) => setName(e.currentTarget.value)} error={errs.name} placeholder="#ops alerts" data-autofocus />
        <Select label="Type" data={TYPES.map((t) => ({ value: t, label: TYPE_LABELS[t] }))} value={type} onChange={(v) => v && setType(v as ChannelType)} allowDeselect={false} />
        {CHANNEL_FIELDS[type].map((fld) => (
          <TextInput
            key={`${type}-${fld.key}`}
            label={fld.label}
            required={fld.required && !(channel && fld.key in masked)}
            placeholder={channel && fld.key in masked ? `${masked[fld.key]} (unchanged)` : fld.placeholder}
            value={values[fld.key] ?? ''}
            onChange={(e) => setValues({ ...values, [fld.key]: e.currentTarget.value })}
            error={errs[`config.${fld.key}`] ?? errs[fld.key]}
            classNames={{ input: 'mono' }}
            autoComplete="off"
            description={fld.generate ? 'Signs each request (X-Catena-Signature, HMAC-SHA256); leave empty for unsigned requests' : undefined}
            rightSectionWidth={fld.generate ? 90 : undefined}
            rightSection={
              fld.generate ? (
                <Button size="compact-xs" variant="light" onClick={() => setValues({ ...values, [fld.key]: generateSecret() })}>
                  Generate
                </Button>
              ) : undefined
            }
          />
        ))}
        <Group justify="flex-end">
          <Button variant="default" onClick={onDone}>
            Cancel
          </Button>
          <Button type="submit" loading={result.fetching}>
            {channel ? 'Save channel' : 'Create channel'}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

export function ChannelsPage() {
  const [res, refetch] = useQuery({ query: ChannelsDocument, context: CHANNEL_CTX });
  const [, del] = useMutation(DeleteChannelDocument);
  const [testing, setTesting] = useState<string | null>(null);
  const [, test] = useMutation(TestChannelDocument);
  const [editing, setEditing] = useState<Channel | null>(null);
  const [opened, { open, close }] = useDisclosure(false);
  const [lastTest, setLastTest] = useState<Record<string, { ok: boolean; message: string }>>({});

  const sendTest = async (c: Channel) => {
    setTesting(c.id);
    const r = await test({ id: c.id });
    setTesting(null);
    const outcome = r.data?.testAlertChannel ?? { ok: false, message: errorMessage(r.error) ?? 'failed' };
    setLastTest({ ...lastTest, [c.id]: outcome });
    notifications.show({ color: outcome.ok ? 'green' : 'red', title: outcome.ok ? 'Test alert sent' : 'Test alert failed', message: outcome.message });
    // A success clears the channel's failure flag on the server.
    if (outcome.ok && c.lastError) refetch({ requestPolicy: 'network-only' });
  };

  if (res.error && !res.data) return <ErrorState message={errorMessage(res.error) ?? ''} onRetry={() => refetch({ requestPolicy: 'network-only' })} />;
  if (res.fetching && !res.data) return <Loading />;
  const channels = res.data?.alertChannels ?? [];
  const done = () => {
    close();
    setEditing(null);
    refetch({ requestPolicy: 'network-only' });
  };
  return (
    <Stack>
      <PageHeader title="Alert channels" description="Where monitors send incidents: Slack, email, PagerDuty, Discord or a webhook.">
        <Button
          leftSection={<IconPlus size={16} />}
          onClick={() => {
            setEditing(null);
            open();
          }}
        >
          New channel
        </Button>
      </PageHeader>
      <Modal opened={opened} onClose={done} title={editing ? `Edit ${editing.name}` : 'New alert channel'}>
        <ChannelForm key={editing?.id ?? 'new'} channel={editing} onDone={done} />
      </Modal>
      {channels.length === 0 ? (
        <EmptyState title="No alert channels yet" action={<Button onClick={open}>Add a channel</Button>}>
          Add one, send it a test alert, then pick it in a monitor.
        </EmptyState>
      ) : (
        <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }}>
          {channels.map((c) => {
            const failing = failingBadge(c.lastError);
            return (
              <Card key={c.id} withBorder data-testid="channel-card" data-failing={failing ? 'true' : undefined}>
                <Group justify="space-between" mb="xs">
                  <Text fw={600}>{c.name}</Text>
                  <Badge variant="light">{TYPE_LABELS[c.type]}</Badge>
                </Group>
                {failing && (
                  <Tooltip label={`${c.lastError} (${dateTime(c.lastErrorAt)})`} multiline maw={420} withArrow>
                    <Badge color="red" variant="filled" tt="none" mb="xs" maw="100%" data-testid="channel-failing">
                      {failing}
                      {c.lastErrorAt ? ` · ${relativeTime(c.lastErrorAt)}` : ''}
                    </Badge>
                  </Tooltip>
                )}
                <Stack gap={2} mb="sm">
                  {c.config.map((e) => (
                    <Text key={e.key} size="xs" className="mono" c="dimmed" truncate>
                      {e.key}: {e.value}
                    </Text>
                  ))}
                </Stack>
                {lastTest[c.id] && (
                  <Text size="xs" c={lastTest[c.id].ok ? 'green' : 'red'} mb="xs" data-testid="test-result">
                    {lastTest[c.id].ok ? 'Test delivered' : 'Test failed'}: {lastTest[c.id].message}
                  </Text>
                )}
                <Group gap="xs">
                  <Button size="xs" variant="light" leftSection={<IconSend size={14} />} loading={testing === c.id} onClick={() => void sendTest(c)}>
                    Send test alert
                  </Button>
                  <ActionIcon
                    variant="subtle"
                    aria-label={`Edit ${c.name}`}
                    onClick={() => {
                      setEditing(c);
                      open();
                    }}
                  >
                    <IconEdit size={16} />
                  </ActionIcon>
                  <ActionIcon
                    variant="subtle"
                    color="red"
                    aria-label={`Delete ${c.name}`}
                    onClick={async () => {
                      if (!window.confirm(`Delete the channel ${c.name}?`)) return;
                      const r = await del({ id: c.id });
                      if (r.error) notifications.show({ color: 'red', message: errorMessage(r.error) });
                      else refetch({ requestPolicy: 'network-only' });
                    }}
                  >
                    <IconTrash size={16} />
                  </ActionIcon>
                </Group>
              </Card>
            );
          })}
        </SimpleGrid>
      )}
    </Stack>
  );
}
