import { Alert, Badge, Button, Code, CopyButton, Group, NumberInput, Stack, Table, TextInput } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { EmptyState, ErrorState, Loading, PageHeader } from '../../components/States';
import { FormErrors } from '../../components/FormErrors';
import { errorMessage, fieldErrors, onFields } from '../../lib/errors';
import { dateTime, relativeTime } from '../../lib/format';
import { CreateTokenDocument, RevokeTokenDocument, TokensDocument } from './api';

/** Personal API tokens: the secret is shown once, at creation. */
const TOKEN_CTX = { additionalTypenames: ['ApiToken'] };

export function TokensPage() {
  const [res, refetch] = useQuery({ query: TokensDocument, context: TOKEN_CTX });
  const [createResult, create] = useMutation(CreateTokenDocument);
  const [, revoke] = useMutation(RevokeTokenDocument);
  const [name, setName] = useState('');
  const [days, setDays] = useState<number | ''>(90);
  const [fresh, setFresh] = useState<string | null>(null);
  const errs = fieldErrors(createResult.error);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const r = await create({ name: name.trim(), expiresInDays: days === '' ? null : days });
    if (r.data) {
      setFresh(r.data.createApiToken.token);
      setName('');
      refetch({ requestPolicy: 'network-only' });
    }
  };
  if (res.error && !res.data) return <ErrorState message={errorMessage(res.error) ?? ''} onRetry={() => refetch({ requestPolicy: 'network-only' })} />;
  const tokens = res.data?.apiTokens ?? [];
  return (
    <Stack maw={900}>
      <PageHeader title="API tokens" description="For the CLI, CI jobs and scripts: send as Authorization: Bearer TOKEN to /graphql." />
      <form onSubmit={(e) => void submit(e)}>
        <Group align="flex-end" gap="sm">
          <TextInput label="Name" required value={name} onChange={(e) => setName(e.currentTarget.value)} error={errs.name} placeholder="ci-pipeline" />
          <NumberInput label="Expires in days" description="Empty: never" value={days} onChange={(v) => setDays(v === '' ? '' : Number(v))} min={1} max={3650} error={errs.expiresInDays} w={160} />
          <Button type="submit" loading={createResult.fetching} disabled={name.trim() === ''}>
            Create token
          </Button>
        </Group>
      </form>
      <FormErrors error={createResult.error} placed={onFields('name', 'expiresInDays')} />
      {fresh && (
        <Alert color="green" title="Copy the token now: it is not shown again" withCloseButton onClose={() => setFresh(null)}>
          <Group gap="xs" wrap="nowrap">
            <Code style={{ wordBreak: 'break-all' }} data-testid="new-token">
              {fresh}
            </Code>
            <CopyButton value={fresh}>
              {({ copied, copy }) => (
                <Button size="xs" variant="light" onClick={copy}>
                  {copied ? 'Copied' : 'Copy'}
                </Button>
              )}
            </CopyButton>
          </Group>
        </Alert>
      )}
      {res.fetching && !res.data ? (
        <Loading />
      ) : tokens.length === 0 ? (
        <EmptyState title="No tokens yet">Create one for each script or pipeline, so each can be revoked alone.</EmptyState>
      ) : (
        <Table.ScrollContainer minWidth={600}>
          <Table>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Name</Table.Th>
                <Table.Th>Token</Table.Th>
                <Table.Th>Created</Table.Th>
                <Table.Th>Last used</Table.Th>
                <Table.Th>Expires</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {tokens.map((t) => (
                <Table.Tr key={t.id}>
                  <Table.Td>{t.name}</Table.Td>
                  <Table.Td className="mono">{t.prefix}…</Table.Td>
                  <Table.Td title={dateTime(t.createdAt)}>{relativeTime(t.createdAt)}</Table.Td>
                  <Table.Td>{t.lastUsedAt ? relativeTime(t.lastUsedAt) : 'never'}</Table.Td>
                  <Table.Td>{t.expiresAt ? dateTime(t.expiresAt) : 'never'}</Table.Td>
                  <Table.Td>
                    {t.revokedAt ? (
                      <Badge color="gray">revoked</Badge>
                    ) : (
                      <Button
                        size="xs"
                        variant="subtle"
                        color="red"
                        onClick={async () => {
                          if (!window.confirm(`Revoke ${t.name}? Anything using it stops working.`)) return;
                          const r = await revoke({ id: t.id });
                          if (r.error) notifications.show({ color: 'red', message: errorMessage(r.error) });
                        }}
                      >
                        Revoke
                      </Button>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Stack>
  );
}
