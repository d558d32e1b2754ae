import { Anchor, Badge, Button, Group, Stack, Table, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconExternalLink, IconPlus } from '@tabler/icons-react';
import { Link } from 'react-router';
import { useMutation, useQuery } from 'urql';
import { EmptyState, ErrorState, Loading, PageHeader } from '../../components/States';
import { getFragmentData } from '../../gql';
import { errorMessage } from '../../lib/errors';
import { relativeTime } from '../../lib/format';
import { useSession } from '../../lib/session';
import { DeleteStatusPageDocument, StatusPageFields, StatusPagesDocument } from './api';

export const STATUS_CTX = { additionalTypenames: ['StatusPage'] };

/** Public status pages: what is published where. Admins create and change them. */
export function StatusPagesPage() {
  const { user } = useSession();
  const [res, refetch] = useQuery({ query: StatusPagesDocument, context: STATUS_CTX });
  const [, remove] = useMutation(DeleteStatusPageDocument);
  if (res.error && !res.data) return <ErrorState message={errorMessage(res.error) ?? ''} onRetry={() => refetch({ requestPolicy: 'network-only' })} />;
  if (res.fetching && !res.data) return <Loading />;
  const pages = (res.data?.statusPages ?? []).map((p) => getFragmentData(StatusPageFields, p));
  const admin = user?.isAdmin ?? false;
  return (
    <Stack maw={1000}>
      <PageHeader title="Status pages" description="Public pages, served without sign-in, that show chosen monitors' state and 90 days of uptime — never steps, URLs or errors.">
        {admin && (
          <Button component={Link} to="/status-pages/new" leftSection={<IconPlus size={16} />}>
            New status page
          </Button>
        )}
      </PageHeader>
      {pages.length === 0 ? (
        <EmptyState title="No status page yet">{admin ? 'Publish one to tell your users how your services are doing.' : 'An admin can publish one.'}</EmptyState>
      ) : (
        <Table.ScrollContainer minWidth={640}>
          <Table>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Title</Table.Th>
                <Table.Th>Public address</Table.Th>
                <Table.Th>Monitors</Table.Th>
                <Table.Th>Changed</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {pages.map((p) => (
                <Table.Tr key={p.id} data-testid="status-page-row">
                  <Table.Td>
                    {admin ? (
                      <Anchor component={Link} to={`/status-pages/${p.id}`}>
                        {p.title}
                      </Anchor>
                    ) : (
                      p.title
                    )}
                    {p.showLatency && (
                      <Badge ml="xs" size="xs" variant="light">
                        latency shown
                      </Badge>
                    )}
                  </Table.Td>
                  <Table.Td>
                    <Anchor href={p.path} target="_blank" rel="noopener" className="mono" size="sm">
                      <Group gap={4} wrap="nowrap">
                        {p.path}
                        <IconExternalLink size={14} aria-label="opens in a new tab" />
                      </Group>
                    </Anchor>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{p.groups.reduce((n, g) => n + g.monitors.length, 0)}</Text>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{relativeTime(p.updatedAt)}</Text>
                  </Table.Td>
                  <Table.Td>
                    {admin && (
                      <Button
                        size="xs"
                        variant="subtle"
                        color="red"
                        onClick={async () => {
                          if (!window.confirm(`Delete the status page "${p.title}"? Its address will answer "not found".`)) return;
                          const r = await remove({ id: p.id }, STATUS_CTX);
                          if (r.error) notifications.show({ color: 'red', message: errorMessage(r.error) });
                          else refetch({ requestPolicy: 'network-only' });
                        }}
                      >
                        Delete
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
