import { ActionIcon, Badge, Button, Group, PasswordInput, Stack, Table, Text, TextInput } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconTrash } from '@tabler/icons-react';
import { useState } from 'react';
import { useMutation } from 'urql';
import { FormErrors } from '../../components/FormErrors';
import { errorMessage, fieldErrors, onFields } from '../../lib/errors';
import { SetSecretDocument } from './api';

/**
 * Secrets are write-only: the list shows names, a value can be replaced or the
 * secret removed, and nothing ever shows a stored value.
 */
export function SecretsPanel({ collectionId, secrets }: { collectionId: string; secrets: ReadonlyArray<{ name: string; isSet: boolean }> }) {
  const [result, setSecret] = useMutation(SetSecretDocument);
  const [name, setName] = useState('');
  const [value, setValue] = useState('');
  const [replacing, setReplacing] = useState<Record<string, string>>({});
  const errs = fieldErrors(result.error);

  const save = async (n: string, v: string | null) => {
    const r = await setSecret({ collectionId, name: n, value: v });
    if (r.error) {
      notifications.show({ color: 'red', title: `Secret ${n}`, message: errorMessage(r.error, true) ?? 'invalid' });
      return false;
    }
    notifications.show({ color: 'green', message: v === null ? `Secret ${n} removed` : `Secret ${n} saved` });
    return true;
  };

  return (
    <Stack gap="sm" data-testid="secrets-panel">
      <Text size="sm" c="dimmed">
        Use a secret as <code>@&lt;&lt;secrets.NAME&gt;&gt;</code>. Values are encrypted, never shown again and replaced by •••• in run
        results.
      </Text>
      {secrets.length > 0 && (
        <Table verticalSpacing="xs">
          <Table.Tbody>
            {secrets.map((s) => (
              <Table.Tr key={s.name}>
                <Table.Td className="mono">{s.name}</Table.Td>
                <Table.Td>
                  <Badge size="sm" color={s.isSet ? 'green' : 'gray'} variant="light">
                    {s.isSet ? '•••• set' : 'not set'}
                  </Badge>
                </Table.Td>
                <Table.Td>
                  <Group gap="xs" wrap="nowrap">
                    <PasswordInput
                      size="xs"
                      aria-label={`New value for ${s.name}`}
                      placeholder="new value"
                      value={replacing[s.name] ?? ''}
                      onChange={(e) => setReplacing({ ...replacing, [s.name]: e.currentTarget.value })}
                      autoComplete="new-password"
                    />
                    <Button
                      size="xs"
                      variant="light"
                      disabled={!replacing[s.name]}
                      onClick={() =>
                        void save(s.name, replacing[s.name] ?? '').then((ok) => {
                          if (ok) setReplacing({ ...replacing, [s.name]: '' });
                        })
                      }
                    >
                      Replace
                    </Button>
                    <ActionIcon variant="subtle" color="red" aria-label={`Remove secret ${s.name}`} onClick={() => window.confirm(`Remove the secret ${s.name}?`) && void save(s.name, null)}>
                      <IconTrash size={14} />
                    </ActionIcon>
                  </Group>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <FormErrors error={result.error} placed={onFields('name', 'value')} />
      <Group align="flex-start" gap="xs">
        <TextInput aria-label="Secret name" placeholder="name" value={name} onChange={(e) => setName(e.currentTarget.value)} error={errs.name} classNames={{ input: 'mono' }} />
        <PasswordInput aria-label="Secret value" placeholder="value" value={value} onChange={(e) => setValue(e.currentTarget.value)} error={errs.value} autoComplete="new-password" style={{ flex: 1 }} />
        <Button
          disabled={name.trim() === '' || value === ''}
          loading={result.fetching}
          onClick={() =>
            void save(name.trim(), value).then((ok) => {
              if (ok) {
                setName('');
                setValue('');
              }
            })
          }
        >
          Add secret
        </Button>
      </Group>
    </Stack>
  );
}
