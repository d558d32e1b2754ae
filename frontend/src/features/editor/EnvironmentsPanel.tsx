// Environments: named variable sets (dev, staging, prod) a run can pick. Each
// has its own variables and write-only secrets; a shared one belongs to every
// collection. Values typed here override the collection's own when a run uses
// the environment.
import { ActionIcon, Badge, Button, Checkbox, Group, Paper, PasswordInput, Stack, Table, Text, TextInput, Textarea, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconTrash } from '@tabler/icons-react';
import { useState } from 'react';
import { useMutation } from 'urql';
import { getFragmentData, type FragmentType } from '../../gql';
import type { EnvironmentFieldsFragment } from '../../gql/graphql';
import { errorMessage } from '../../lib/errors';
import { DeleteEnvironmentDocument, EnvironmentFieldsDoc, SetEnvironmentDocument } from './api';
import { parseVariableLines, variableLines } from './environments';

type EnvFragment = FragmentType<typeof EnvironmentFieldsDoc>;

export function EnvironmentsPanel({ collectionId, environments, onChange }: { collectionId: string; environments: ReadonlyArray<EnvFragment>; onChange: () => void }) {
  const envs = environments.map((e) => getFragmentData(EnvironmentFieldsDoc, e));
  const [, setEnv] = useMutation(SetEnvironmentDocument);
  const [name, setName] = useState('');
  const [shared, setShared] = useState(false);

  const create = async () => {
    const r = await setEnv({ collectionId: shared ? null : collectionId, input: { name: name.trim(), variables: [] } });
    if (r.error) {
      notifications.show({ color: 'red', title: 'Environment not created', message: errorMessage(r.error, true) ?? '' });
      return;
    }
    setName('');
    onChange();
  };

  return (
    <Stack gap="md" data-testid="environments-panel">
      <Text size="sm" c="dimmed">
        An environment's variables and secrets override the collection's when a run picks it (the Run button, a monitor, or{' '}
        <code>catena run --env NAME</code>). A shared environment is offered to every collection.
      </Text>
      {envs.map((env) => (
        <EnvironmentCard key={`${env.shared ? 'shared' : 'own'}:${env.name}`} collectionId={collectionId} env={env} onChange={onChange} />
      ))}
      <Group align="flex-end">
        <TextInput label="New environment" placeholder="staging" value={name} onChange={(e) => setName(e.currentTarget.value)} />
        <Checkbox label="Shared by every collection" checked={shared} onChange={(e) => setShared(e.currentTarget.checked)} mb={8} />
        <Button onClick={() => void create()} disabled={name.trim() === ''}>
          Add environment
        </Button>
      </Group>
    </Stack>
  );
}

function EnvironmentCard({ collectionId, env, onChange }: { collectionId: string; env: EnvironmentFieldsFragment; onChange: () => void }) {
  const [, setEnv] = useMutation(SetEnvironmentDocument);
  const [, del] = useMutation(DeleteEnvironmentDocument);
  const [text, setText] = useState(variableLines(env.variables));
  const [secretName, setSecretName] = useState('');
  const [secretValue, setSecretValue] = useState('');
  const owner = env.shared ? null : collectionId;

  const save = async (input: Parameters<typeof setEnv>[0]['input'], what: string) => {
    const r = await setEnv({ collectionId: owner, input });
    if (r.error) {
      notifications.show({ color: 'red', title: `Environment ${env.name}`, message: errorMessage(r.error, true) ?? '' });
      return false;
    }
    notifications.show({ color: 'green', message: `${what} saved` });
    onChange();
    return true;
  };
  const parsed = parseVariableLines(text);

  return (
    <Paper withBorder p="sm" data-testid={`environment-${env.name}`}>
      <Stack gap="xs">
        <Group justify="space-between">
          <Group gap="xs">
            <Title order={5} className="mono">
              {env.name}
            </Title>
            {env.shared && (
              <Badge size="sm" variant="light">
                shared
              </Badge>
            )}
          </Group>
          <ActionIcon
            variant="subtle"
            color="red"
            aria-label={`Delete environment ${env.name}`}
            onClick={() => {
              if (!window.confirm(`Delete environment ${env.name} and its secrets?`)) return;
              void del({ collectionId: owner, name: env.name }).then((r) => {
                if (r.error) notifications.show({ color: 'red', title: `Environment ${env.name}`, message: errorMessage(r.error, true) ?? '' });
                else onChange();
              });
            }}
          >
            <IconTrash size={16} />
          </ActionIcon>
        </Group>
        <Textarea
          label="Variables (one NAME=value a line)"
          aria-label={`Variables of ${env.name}`}
          autosize
          minRows={2}
          value={text}
          onChange={(e) => setText(e.currentTarget.value)}
          error={parsed.error}
          className="mono"
        />
        <Group>
          <Button size="xs" variant="light" disabled={parsed.error !== undefined} onClick={() => void save({ name: env.name, variables: parsed.variables }, `Variables of ${env.name}`)}>
            Save variables
          </Button>
        </Group>
        {env.secrets.length > 0 && (
          <Table verticalSpacing={4}>
            <Table.Tbody>
              {env.secrets.map((s) => (
                <Table.Tr key={s.name}>
                  <Table.Td className="mono">{s.name}</Table.Td>
                  <Table.Td>
                    <Badge size="sm" color="green" variant="light">
                      •••• set
                    </Badge>
                  </Table.Td>
                  <Table.Td>
                    <Button size="xs" variant="subtle" color="red" onClick={() => void save({ name: env.name, secrets: [{ name: s.name, value: null }] }, `Secret ${s.name}`)}>
                      Remove
                    </Button>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
        <Group align="flex-end" gap="xs">
          <TextInput size="xs" label="Secret" aria-label={`Secret name for ${env.name}`} placeholder="api_key" value={secretName} onChange={(e) => setSecretName(e.currentTarget.value)} />
          <PasswordInput size="xs" label="Value" aria-label={`Secret value for ${env.name}`} value={secretValue} onChange={(e) => setSecretValue(e.currentTarget.value)} autoComplete="new-password" />
          <Button
            size="xs"
            variant="light"
            disabled={secretName.trim() === '' || secretValue === ''}
            onClick={() =>
              void save({ name: env.name, secrets: [{ name: secretName.trim(), value: secretValue }] }, `Secret ${secretName.trim()}`).then((ok) => {
                if (ok) {
                  setSecretName('');
                  setSecretValue('');
                }
              })
            }
          >
            Set secret
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}
