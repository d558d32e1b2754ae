import { Accordion, Anchor, Group, SegmentedControl, Select, Stack, Table, Tabs, Text } from '@mantine/core';
import { useState } from 'react';
import { Link } from 'react-router';
import { useQuery } from 'urql';
import { EmptyState, ErrorState, Loading, PageHeader } from '../../components/States';
import { StatusBadge } from '../../components/StatusBadge';
import { getFragmentData, type FragmentType } from '../../gql';
import type { IncidentStatus } from '../../gql/graphql';
import { errorMessage } from '../../lib/errors';
import { dateTime, relativeTime } from '../../lib/format';
import { IncidentActions } from './IncidentActions';
import { ChannelDeliveriesDocument, DeliveryChannelsDocument, DeliveryFieldsDoc, IncidentsDocument } from './api';

function Deliveries({ rows: refs }: { rows: ReadonlyArray<FragmentType<typeof DeliveryFieldsDoc>> }) {
  const rows = getFragmentData(DeliveryFieldsDoc, refs);
  if (rows.length === 0) return <Text size="sm" c="dimmed">No alert was sent.</Text>;
  return (
    <Table.ScrollContainer minWidth={560}>
      <Table fz="sm" data-testid="deliveries">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Channel</Table.Th>
            <Table.Th>Event</Table.Th>
            <Table.Th>Status</Table.Th>
            <Table.Th>Attempts</Table.Th>
            <Table.Th>When</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((d) => (
            <Table.Tr key={d.id}>
              <Table.Td>{d.channel ? `${d.channel.name} (${d.channel.type.toLowerCase()})` : 'deleted channel'}</Table.Td>
              <Table.Td>{d.event}</Table.Td>
              <Table.Td>
                <StatusBadge status={d.status} />
                {d.lastError && (
                  <Text size="xs" c="red" lineClamp={2}>
                    {d.lastError}
                  </Text>
                )}
              </Table.Td>
              <Table.Td>{d.attempts}</Table.Td>
              <Table.Td title={dateTime(d.deliveredAt ?? d.createdAt)}>{relativeTime(d.deliveredAt ?? d.createdAt)}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

const ALL = 'all';

/** Every recent alert sent (tests included), through all channels or one. */
function ChannelDeliveries() {
  const [channels] = useQuery({ query: DeliveryChannelsDocument });
  const [picked, setPicked] = useState<string>(ALL);
  const list = channels.data?.alertChannels ?? [];
  const channelId = picked === ALL ? null : picked;
  const [res] = useQuery({ query: ChannelDeliveriesDocument, variables: { channelId } });
  if (channels.error) return <ErrorState message={errorMessage(channels.error) ?? ''} />;
  if (channels.fetching && !channels.data) return <Loading />;
  if (list.length === 0) return <EmptyState title="No alert channels">Deliveries appear here once a channel exists and sends something.</EmptyState>;
  return (
    <Stack>
      <Select
        label="Channel"
        data={[{ value: ALL, label: 'All channels' }, ...list.map((c) => ({ value: c.id, label: `${c.name} (${c.type.toLowerCase()})` }))]}
        value={picked}
        onChange={(v) => setPicked(v ?? ALL)}
        allowDeselect={false}
        w={280}
      />
      {res.error ? <ErrorState message={errorMessage(res.error) ?? ''} /> : res.fetching && !res.data ? <Loading /> : <Deliveries rows={res.data?.deliveries ?? []} />}
    </Stack>
  );
}

/** Incidents (open first) with the alerts sent for each, and every recent delivery. */
export function IncidentsPage() {
  const [filter, setFilter] = useState('active');
  const status: IncidentStatus[] | null = filter === 'active' ? ['OPEN', 'ACKNOWLEDGED'] : filter === 'resolved' ? ['RESOLVED'] : null;
  const [res, refetch] = useQuery({ query: IncidentsDocument, variables: { status } });
  const incidents = res.data?.incidents ?? [];
  return (
    <Stack>
      <PageHeader title="Incidents" description="A stretch of failures of one collection in one monitor, and the alerts it sent." />
      <Tabs defaultValue="incidents">
        <Tabs.List>
          <Tabs.Tab value="incidents">Incidents</Tabs.Tab>
          <Tabs.Tab value="deliveries">Deliveries</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="incidents" pt="md">
          <SegmentedControl
            mb="md"
            value={filter}
            onChange={setFilter}
            data={[
              { value: 'active', label: 'Open' },
              { value: 'resolved', label: 'Resolved' },
              { value: 'all', label: 'All' },
            ]}
          />
          {res.error && !res.data ? (
            <ErrorState message={errorMessage(res.error) ?? ''} onRetry={() => refetch({ requestPolicy: 'network-only' })} />
          ) : res.fetching && !res.data ? (
            <Loading />
          ) : incidents.length === 0 ? (
            <EmptyState title={filter === 'active' ? 'No open incidents' : 'No incidents'}>All quiet: incidents appear when a monitored collection fails as often as its policy says.</EmptyState>
          ) : (
            <Accordion variant="separated" multiple>
              {incidents.map((i) => (
                <Accordion.Item key={i.id} value={i.id} data-testid="incident">
                  <Accordion.Control>
                    <Group justify="space-between" wrap="wrap" pr="sm">
                      <Stack gap={0}>
                        <Text fw={500}>
                          {i.monitor?.name ?? 'deleted monitor'} · {i.collection?.name ?? 'deleted collection'}
                        </Text>
                        <Text size="xs" c="dimmed">
                          {i.summary}
                        </Text>
                      </Stack>
                      <Group gap="xs">
                        {i.assignee && (
                          <Text size="xs" c="dimmed" data-testid="incident-assignee">
                            {i.assignee.name || i.assignee.email}
                          </Text>
                        )}
                        <Text size="xs" c="dimmed">
                          {i.kind} · opened {relativeTime(i.openedAt)}
                          {i.resolvedAt ? ` · resolved ${relativeTime(i.resolvedAt)}` : ''}
                        </Text>
                        <StatusBadge status={i.status} />
                      </Group>
                    </Group>
                  </Accordion.Control>
                  <Accordion.Panel>
                    <Group gap="md" mb="sm">
                      {i.firstRun && <Anchor component={Link} to={`/runs/${i.firstRun.id}`} size="sm">First failing run</Anchor>}
                      {i.lastRun && <Anchor component={Link} to={`/runs/${i.lastRun.id}`} size="sm">Latest run</Anchor>}
                      {i.lastRun && <Anchor component={Link} to={`/runs/${i.lastRun.id}/compare`} size="sm">Compare with last pass</Anchor>}
                    </Group>
                    <IncidentActions incident={i} onChanged={() => refetch({ requestPolicy: 'network-only' })} />
                    <Text size="sm" fw={600} mt="md" mb={4}>
                      Alerts sent
                    </Text>
                    <Deliveries rows={i.deliveries} />
                  </Accordion.Panel>
                </Accordion.Item>
              ))}
            </Accordion>
          )}
        </Tabs.Panel>
        <Tabs.Panel value="deliveries" pt="md">
          <ChannelDeliveries />
        </Tabs.Panel>
      </Tabs>
    </Stack>
  );
}
