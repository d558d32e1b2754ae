import { Button, Group, Modal, PasswordInput, Select, Stack, Table, Text, TextInput } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { IconPlus } from '@tabler/icons-react';
import { useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { EmptyState, ErrorState, Loading, PageHeader } from '../../components/States';
import type { Role } from '../../gql/graphql';
import { FormErrors } from '../../components/FormErrors';
import { errorCode, errorMessage, fieldErrors, onFields } from '../../lib/errors';
import { relativeTime } from '../../lib/format';
import { useSession } from '../../lib/session';
import { CreateUserDocument, DeleteUserDocument, UpdateUserDocument, UsersDocument } from './api';

const ROLES: Array<{ value: Role; label: string }> = [
  { value: 'ADMIN', label: 'Admin: users, tokens, everything' },
  { value: 'EDITOR', label: 'Editor: collections, monitors, channels' },
  { value: 'VIEWER', label: 'Viewer: read only' },
];

const USER_CTX = { additionalTypenames: ['User'] };

function isRole(s: string): s is Role {
  return s === 'ADMIN' || s === 'EDITOR' || s === 'VIEWER';
}

function NewUser({ onDone }: { onDone: () => void }) {
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('EDITOR');
  const [password, setPassword] = useState('');
  const [result, create] = useMutation(CreateUserDocument);
  const errs = fieldErrors(result.error);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const r = await create({ input: { email: email.trim(), name: name.trim(), role, password } });
    if (!r.error) onDone();
  };
  return (
    <form onSubmit={(e) => void submit(e)}>
      <Stack>
        <FormErrors error={result.error} placed={onFields('name', 'email', 'password')} />
        <TextInput label="Name" required value={name} onChange={(e) => setName(e.currentTarget.value)} error={errs.name} data-autofocus />
        <TextInput label="Email" type="email" required value={email} onChange={(e) => setEmail(e.currentTarget.value)} error={errs.email} />
        <Select label="Role" data={ROLES} value={role} onChange={(v) => v && isRole(v) && setRole(v)} allowDeselect={false} />
        <PasswordInput label="Initial password" description="At least 8 characters; share it safely" required value={password} onChange={(e) => setPassword(e.currentTarget.value)} error={errs.password} autoComplete="new-password" />
        <Group justify="flex-end">
          <Button type="submit" loading={result.fetching}>
            Create user
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

/** Users and their roles (admins only). */
export function UsersPage() {
  const [res, refetch] = useQuery({ query: UsersDocument, context: USER_CTX });
  const [, update] = useMutation(UpdateUserDocument);
  const [, del] = useMutation(DeleteUserDocument);
  const [opened, { open, close }] = useDisclosure(false);
  const { user } = useSession();
  if (errorCode(res.error) === 'FORBIDDEN') return <EmptyState title="Admins only">Ask an admin to add or change users.</EmptyState>;
  if (res.error && !res.data) return <ErrorState message={errorMessage(res.error) ?? ''} onRetry={() => refetch({ requestPolicy: 'network-only' })} />;
  if (res.fetching && !res.data) return <Loading />;
  const users = res.data?.users ?? [];
  const act = async (p: Promise<{ error?: import('urql').CombinedError }>, ok: string) => {
    const r = await p;
    if (r.error) notifications.show({ color: 'red', message: errorMessage(r.error) });
    else {
      notifications.show({ color: 'green', message: ok });
      refetch({ requestPolicy: 'network-only' });
    }
  };
  return (
    <Stack maw={900}>
      <PageHeader title="Users">
        <Button leftSection={<IconPlus size={16} />} onClick={open}>
          Add user
        </Button>
      </PageHeader>
      <Modal opened={opened} onClose={close} title="Add a user">
        <NewUser
          onDone={() => {
            close();
            refetch({ requestPolicy: 'network-only' });
          }}
        />
      </Modal>
      <Table.ScrollContainer minWidth={600}>
        <Table>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Name</Table.Th>
              <Table.Th>Email</Table.Th>
              <Table.Th>Role</Table.Th>
              <Table.Th>Since</Table.Th>
              <Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {users.map((u) => (
              <Table.Tr key={u.id}>
                <Table.Td>{u.name}</Table.Td>
                <Table.Td>{u.email}</Table.Td>
                <Table.Td>
                  <Select
                    aria-label={`Role of ${u.email}`}
                    size="xs"
                    data={ROLES.map((r) => ({ value: r.value, label: r.value.toLowerCase() }))}
                    value={u.role}
                    disabled={u.id === user?.id}
                    onChange={(v) => v && isRole(v) && void act(update({ id: u.id, input: { role: v } }), `${u.email} is now ${v.toLowerCase()}`)}
                    allowDeselect={false}
                    w={120}
                  />
                </Table.Td>
                <Table.Td>{relativeTime(u.createdAt)}</Table.Td>
                <Table.Td>
                  {u.id !== user?.id ? (
                    <Button size="xs" variant="subtle" color="red" onClick={() => window.confirm(`Delete ${u.email}?`) && void act(del({ id: u.id }), `${u.email} deleted`)}>
                      Delete
                    </Button>
                  ) : (
                    <Text size="xs" c="dimmed">
                      you
                    </Text>
                  )}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </Stack>
  );
}
