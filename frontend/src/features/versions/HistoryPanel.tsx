// The versions of a collection or monitor: who changed it, when and what,
// the diff of a version against the current one (or against the version
// before it), and "Restore this version" for editors, which records a new
// version rather than rewriting history.
import { Alert, Badge, Button, Grid, Group, Paper, SegmentedControl, Stack, Table, Text, Title, UnstyledButton } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconRestore } from '@tabler/icons-react';
import { useEffect, useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { ErrorState, Loading } from '../../components/States';
import type { VersionObjectType } from '../../gql/graphql';
import { errorMessage } from '../../lib/errors';
import { dateTime, relativeTime } from '../../lib/format';
import { useSession } from '../../lib/session';
import { RestoreCollectionVersionDocument, RestoreMonitorVersionDocument, VersionDetailDocument, VersionsDocument } from './api';
import { DiffView } from './DiffView';

const PAGE = 20;

interface Props {
  objectType: Extract<VersionObjectType, 'COLLECTION' | 'MONITOR'>;
  objectId: string;
  /** The version to open first (from a run's link); the latest when absent. */
  initialVersion?: number | null;
  /** Asked before restoring; false cancels (unsaved edits would be lost). */
  beforeRestore?: () => boolean;
  /** Called after a restore, to reload the object. */
  onRestored: () => void;
}

export function HistoryPanel({ objectType, objectId, initialVersion, beforeRestore, onRestored }: Props) {
  const { user } = useSession();
  const [after, setAfter] = useState<string | null>(null);
  const [pages, setPages] = useState<Array<{ version: number; actor: string; createdAt: string; summary: string }>>([]);
  const [list, refetchList] = useQuery({ query: VersionsDocument, variables: { objectType, objectId, first: PAGE, after }, requestPolicy: 'cache-and-network' });
  const [selected, setSelected] = useState<number | null>(initialVersion ?? null);
  const [mode, setMode] = useState<'current' | 'previous'>('current');
  const [detail, refetchDetail] = useQuery({ query: VersionDetailDocument, variables: { objectType, objectId, version: selected ?? 0 }, pause: selected === null, requestPolicy: 'cache-and-network' });
  const [restoring, restoreCollection] = useMutation(RestoreCollectionVersionDocument);
  const [restoringMonitor, restoreMonitor] = useMutation(RestoreMonitorVersionDocument);

  const edges = list.data?.versions.edges;
  useEffect(() => {
    if (!edges) return;
    const fresh = edges.map((e) => e.node);
    setPages((old) => (after === null ? fresh : [...old, ...fresh.filter((v) => !old.some((o) => o.version === v.version))]));
    if (selected === null && fresh.length > 0) setSelected(fresh[0].version);
  }, [edges]);

  if (list.error && !list.data) return <ErrorState message={errorMessage(list.error) ?? ''} onRetry={() => refetchList({ requestPolicy: 'network-only' })} />;
  if (list.fetching && pages.length === 0) return <Loading label="Loading the history…" />;
  if (pages.length === 0) return <Text c="dimmed">No versions yet: the first change records one.</Text>;

  const latest = pages[0]?.version ?? 0;
  const v = detail.data?.version;
  const restore = async () => {
    if (selected === null || (beforeRestore && !beforeRestore())) return;
    const r = objectType === 'COLLECTION' ? await restoreCollection({ id: objectId, version: selected }) : await restoreMonitor({ id: objectId, version: selected });
    if (r.error) {
      notifications.show({ color: 'red', title: 'Not restored', message: errorMessage(r.error, true) ?? '' });
      return;
    }
    notifications.show({ color: 'green', message: `Version ${selected} restored as a new version` });
    setAfter(null);
    setMode('current');
    refetchList({ requestPolicy: 'network-only' });
    refetchDetail({ requestPolicy: 'network-only' });
    onRestored();
  };

  return (
    <Grid gutter="md" data-testid="history">
      <Grid.Col span={{ base: 12, md: 5 }}>
        <Paper withBorder>
          <Table highlightOnHover verticalSpacing={6} aria-label="Versions">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Version</Table.Th>
                <Table.Th>Change</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {pages.map((p) => (
                <Table.Tr key={p.version} bg={p.version === selected ? 'var(--mantine-primary-color-light)' : undefined} data-testid={`version-${p.version}`}>
                  <Table.Td>
                    <UnstyledButton onClick={() => setSelected(p.version)} aria-label={`Version ${p.version}`}>
                      <Group gap={6}>
                        <Text fw={600}>v{p.version}</Text>
                        {p.version === latest && (
                          <Badge size="xs" variant="light">
                            current
                          </Badge>
                        )}
                      </Group>
                    </UnstyledButton>
                  </Table.Td>
                  <Table.Td>
                    <UnstyledButton onClick={() => setSelected(p.version)}>
                      <Text size="sm">{p.summary}</Text>
                      <Text size="xs" c="dimmed" title={dateTime(p.createdAt)}>
                        {p.actor} · {relativeTime(p.createdAt)}
                      </Text>
                    </UnstyledButton>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Paper>
        {list.data?.versions.pageInfo.hasNextPage && (
          <Group justify="center" mt="xs">
            <Button variant="default" size="xs" loading={list.fetching} onClick={() => setAfter(list.data?.versions.pageInfo.endCursor ?? null)}>
              Older versions
            </Button>
          </Group>
        )}
      </Grid.Col>
      <Grid.Col span={{ base: 12, md: 7 }}>
        <Paper withBorder p="md">
          {selected === null || !v ? (
            detail.fetching ? <Loading /> : <Text c="dimmed">Select a version.</Text>
          ) : (
            <Stack gap="sm">
              <Group justify="space-between" wrap="wrap">
                <div>
                  <Title order={4}>Version {v.version}</Title>
                  <Text size="sm" c="dimmed">
                    {v.summary} — {v.actor}, {dateTime(v.createdAt)}
                  </Text>
                </div>
                {user?.canWrite && v.version !== latest && (
                  <Button leftSection={<IconRestore size={16} />} onClick={() => void restore()} loading={restoring.fetching || restoringMonitor.fetching}>
                    Restore this version
                  </Button>
                )}
              </Group>
              {!user?.canWrite && v.version !== latest && (
                <Alert color="gray" p="xs">
                  Restoring needs the editor role.
                </Alert>
              )}
              <SegmentedControl
                size="xs"
                value={mode}
                onChange={(m) => setMode(m === 'previous' ? 'previous' : 'current')}
                data={[
                  { value: 'current', label: 'Compared with the current version' },
                  { value: 'previous', label: 'Changes made in this version' },
                ]}
              />
              {mode === 'current' ? (
                <DiffView diff={v.diffToCurrent} empty="This version is the same as the current one." />
              ) : (
                <DiffView diff={v.diff} empty={v.version === 1 ? 'The first version: nothing before it.' : 'No change to the file (a secret value or a setting changed).'} />
              )}
            </Stack>
          )}
        </Paper>
      </Grid.Col>
    </Grid>
  );
}
