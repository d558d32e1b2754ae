import { ActionIcon, Anchor, Button, Group, Menu, Modal, Stack, Table, Text, TextInput, Textarea } from '@mantine/core';
import { useDebouncedValue, useDisclosure } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { IconDots, IconFileImport, IconPlus, IconSearch, IconTrash } from '@tabler/icons-react';
import { useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router';
import { useMutation, useQuery } from 'urql';
import { EmptyState, ErrorState, Loading, PageHeader } from '../../components/States';
import { StatusBadge } from '../../components/StatusBadge';
import { FormErrors } from '../../components/FormErrors';
import { errorMessage, fieldErrors, onFields } from '../../lib/errors';
import { formatMs, relativeTime } from '../../lib/format';
import { CollectionsDocument, CreateCollectionDocument, DeleteCollectionDocument } from './api';

const COLLECTION_CTX = { additionalTypenames: ['Collection'] };

function NewCollectionModal({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [result, create] = useMutation(CreateCollectionDocument);
  const navigate = useNavigate();
  const errs = fieldErrors(result.error);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const r = await create({ input: { name: name.trim(), description, steps: [] } });
    if (r.data) navigate(`/collections/${r.data.createCollection.id}`);
  };
  return (
    <Modal opened={opened} onClose={onClose} title="New collection">
      <form onSubmit={(e) => void submit(e)}>
        <Stack>
          <TextInput label="Name" required data-autofocus value={name} onChange={(e) => setName(e.currentTarget.value)} error={errs.name} placeholder="checkout flow" />
          <Textarea label="Description" value={description} onChange={(e) => setDescription(e.currentTarget.value)} error={errs.description} autosize minRows={2} />
          <FormErrors error={result.error} placed={onFields('name', 'description')} />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={result.fetching}>
              Create
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

export function CollectionsPage() {
  const [search, setSearch] = useState('');
  const [debounced] = useDebouncedValue(search, 250);
  const [after, setAfter] = useState<string[]>([]);
  const [res, refetch] = useQuery({ query: CollectionsDocument, variables: { search: debounced || null, first: 25, after: after.at(-1) ?? null }, context: COLLECTION_CTX });
  const [, del] = useMutation(DeleteCollectionDocument);
  const [opened, { open, close }] = useDisclosure(false);

  const remove = async (id: string, name: string) => {
    if (!window.confirm(`Delete the collection "${name}"? Its runs are kept in the history.`)) return;
    const r = await del({ id });
    if (r.error) notifications.show({ color: 'red', title: 'Could not delete', message: errorMessage(r.error) });
    else refetch({ requestPolicy: 'network-only' });
  };
  const edges = res.data?.collections.edges ?? [];
  return (
    <>
      <PageHeader title="Collections" description="Chained API workflows: steps run in order and use earlier responses.">
        <Button component={Link} to="/import" variant="default" leftSection={<IconFileImport size={16} />}>
          Import
        </Button>
        <Button onClick={open} leftSection={<IconPlus size={16} />}>
          New collection
        </Button>
      </PageHeader>
      <NewCollectionModal opened={opened} onClose={close} />
      <TextInput
        mb="md"
        leftSection={<IconSearch size={16} />}
        placeholder="Search collections"
        aria-label="Search collections"
        value={search}
        onChange={(e) => {
          setSearch(e.currentTarget.value);
          setAfter([]);
        }}
        maw={360}
      />
      {res.error && !res.data ? (
        <ErrorState message={errorMessage(res.error) ?? ''} onRetry={() => refetch({ requestPolicy: 'network-only' })} />
      ) : res.fetching && !res.data ? (
        <Loading />
      ) : edges.length === 0 ? (
        <EmptyState
          title={debounced ? 'No collection matches' : 'No collections yet'}
          action={
            !debounced && (
              <Group>
                <Button onClick={open}>Create a collection</Button>
                <Button component={Link} to="/import" variant="default">
                  Import a Postman collection
                </Button>
              </Group>
            )
          }
        >
          {debounced ? `Nothing is named like "${debounced}".` : 'A collection is a list of HTTP requests where later steps use values from earlier responses.'}
        </EmptyState>
      ) : (
        <Table.ScrollContainer minWidth={560}>
          <Table highlightOnHover verticalSpacing="sm">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Name</Table.Th>
                <Table.Th>Last run</Table.Th>
                <Table.Th>Duration</Table.Th>
                <Table.Th>Updated</Table.Th>
                <Table.Th w={40} />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {edges.map(({ node: c }) => (
                <Table.Tr key={c.id}>
                  <Table.Td>
                    <Anchor component={Link} to={`/collections/${c.id}`} fw={500}>
                      {c.name}
                    </Anchor>
                    {c.description && (
                      <Text size="xs" c="dimmed" lineClamp={1}>
                        {c.description}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>
                    {c.lastRun ? (
                      <Group gap="xs">
                        <Anchor component={Link} to={`/runs/${c.lastRun.id}`}>
                          <StatusBadge status={c.lastRun.status} />
                        </Anchor>
                        <Text size="xs" c="dimmed">
                          {relativeTime(c.lastRun.finishedAt ?? c.lastRun.queuedAt)}
                        </Text>
                      </Group>
                    ) : (
                      <Text size="sm" c="dimmed">
                        never run
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>{c.lastRun ? formatMs(c.lastRun.durationMs) : '—'}</Table.Td>
                  <Table.Td>
                    <Text size="sm">{relativeTime(c.updatedAt)}</Text>
                  </Table.Td>
                  <Table.Td>
                    <Menu position="bottom-end" withinPortal>
                      <Menu.Target>
                        <ActionIcon variant="subtle" aria-label={`Actions for ${c.name}`}>
                          <IconDots size={16} />
                        </ActionIcon>
                      </Menu.Target>
                      <Menu.Dropdown>
                        <Menu.Item component={Link} to={`/runs?collection=${c.id}`}>
                          History
                        </Menu.Item>
                        <Menu.Item color="red" leftSection={<IconTrash size={14} />} onClick={() => void remove(c.id, c.name)}>
                          Delete
                        </Menu.Item>
                      </Menu.Dropdown>
                    </Menu>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {(after.length > 0 || res.data?.collections.pageInfo.hasNextPage) && (
        <Group justify="center" mt="md">
          <Button variant="default" disabled={after.length === 0} onClick={() => setAfter((a) => a.slice(0, -1))}>
            Previous
          </Button>
          <Button
            variant="default"
            disabled={!res.data?.collections.pageInfo.hasNextPage}
            onClick={() => {
              const c = res.data?.collections.pageInfo.endCursor;
              if (c) setAfter((a) => [...a, c]);
            }}
          >
            Next
          </Button>
        </Group>
      )}
    </>
  );
}
