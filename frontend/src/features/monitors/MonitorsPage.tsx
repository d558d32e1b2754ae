import { useState } from 'react';
import { ActionIcon, Anchor, Button, Group, Menu, Stack, Table, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconBolt, IconDots, IconPlayerPause, IconPlayerPlay, IconPlus, IconTrash } from '@tabler/icons-react';
import { Link, useNavigate } from 'react-router';
import { useMutation } from 'urql';
import { EmptyState, ErrorState, Loading, PageHeader } from '../../components/States';
import { StatusBadge } from '../../components/StatusBadge';
import { errorMessage } from '../../lib/errors';
import { formatMs, formatPercent, relativeTime } from '../../lib/format';
import { DeleteMonitorDocument, PauseMonitorDocument, ResumeMonitorDocument, RunMonitorNowDocument } from './api';
import { LoadMore } from '../../components/LoadMore';
import { LatencySparkline } from '../../components/LatencySparkline';
import { useMonitorPages } from '../../lib/useMonitorPages';

const MONITOR_CTX = { additionalTypenames: ['Monitor'] };

export function MonitorsPage() {
  const pages = useMonitorPages(MONITOR_CTX);
  const res = pages.res;
  const [, pause] = useMutation(PauseMonitorDocument);
  const [, resume] = useMutation(ResumeMonitorDocument);
  const [, del] = useMutation(DeleteMonitorDocument);
  const [runNowResult, runNow] = useMutation(RunMonitorNowDocument);
  const [starting, setStarting] = useState<string | null>(null);
  const navigate = useNavigate();
  // Run now: one slot of the monitor (every collection at every location), marked manual.
  const startNow = async (id: string, name: string) => {
    setStarting(id);
    const r = await runNow({ id });
    setStarting(null);
    if (r.error) {
      notifications.show({ color: 'red', title: `${name} did not start`, message: errorMessage(r.error) });
      return;
    }
    const n = r.data?.runMonitorNow.length ?? 0;
    notifications.show({ color: 'green', title: `${name}: ${n} run${n === 1 ? '' : 's'} started`, message: 'They appear in the history as manual runs.' });
    navigate(`/runs?monitor=${id}`);
  };
  const act = async (p: Promise<{ error?: import('urql').CombinedError }>, ok: string) => {
    const r = await p;
    if (r.error) notifications.show({ color: 'red', message: errorMessage(r.error) });
    else {
      notifications.show({ color: 'green', message: ok });
      pages.reload();
    }
  };
  const monitors = pages.monitors;
  return (
    <Stack>
      <PageHeader title="Monitors" description="Collections run on a schedule, from one or more locations.">
        <Button component={Link} to="/monitors/new" leftSection={<IconPlus size={16} />}>
          New monitor
        </Button>
      </PageHeader>
      {res.error && !res.data ? (
        <ErrorState message={errorMessage(res.error) ?? ''} onRetry={pages.reload} />
      ) : res.fetching && !res.data ? (
        <Loading />
      ) : monitors.length === 0 ? (
        <EmptyState title="No monitors yet" action={<Button component={Link} to="/monitors/new">Create a monitor</Button>}>
          Pick collections, a schedule and where to send alerts.
        </EmptyState>
      ) : (
        <Table.ScrollContainer minWidth={760}>
          <Table highlightOnHover verticalSpacing="sm">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Monitor</Table.Th>
                <Table.Th>State</Table.Th>
                <Table.Th>Schedule</Table.Th>
                <Table.Th>Uptime 24 h</Table.Th>
                <Table.Th>p95 24 h</Table.Th>
                <Table.Th>Latency</Table.Th>
                <Table.Th w={140} />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {monitors.map((m) => (
                <Table.Tr key={m.id} data-testid="monitor-row">
                  <Table.Td>
                    <Anchor component={Link} to={`/monitors/${m.id}`} fw={500}>
                      {m.name}
                    </Anchor>
                    <Text size="xs" c="dimmed">
                      {m.collections.map((c) => c.name).join(', ')} · {m.locations.join(', ')}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <StatusBadge status={m.state} />
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm" className="mono">
                      {m.schedule}
                    </Text>
                    <Text size="xs" c="dimmed">
                      {m.enabled ? `next ${relativeTime(m.nextRunAt)}` : 'paused'}
                    </Text>
                  </Table.Td>
                  <Table.Td>{formatPercent(m.stats.uptime24h)}</Table.Td>
                  <Table.Td>{formatMs(m.stats.p95LatencyMs24h)}</Table.Td>
                  <Table.Td>
                    <LatencySparkline durations={m.stats.latencyMs} latest={m.stats.latest} />
                  </Table.Td>
                  <Table.Td>
                    <Group gap={4} wrap="nowrap">
                    <Button size="compact-sm" variant="light" leftSection={<IconBolt size={14} />} loading={runNowResult.fetching && starting === m.id} onClick={() => void startNow(m.id, m.name)} aria-label={`Run ${m.name} now`}>
                      Run now
                    </Button>
                    <Menu position="bottom-end" withinPortal>
                      <Menu.Target>
                        <ActionIcon variant="subtle" aria-label={`Actions for ${m.name}`}>
                          <IconDots size={16} />
                        </ActionIcon>
                      </Menu.Target>
                      <Menu.Dropdown>
                        {m.enabled ? (
                          <Menu.Item leftSection={<IconPlayerPause size={14} />} onClick={() => void act(pause({ id: m.id }), `${m.name} paused`)}>
                            Pause
                          </Menu.Item>
                        ) : (
                          <Menu.Item leftSection={<IconPlayerPlay size={14} />} onClick={() => void act(resume({ id: m.id }), `${m.name} resumed`)}>
                            Resume
                          </Menu.Item>
                        )}
                        <Menu.Item component={Link} to={`/runs?monitor=${m.id}`}>
                          History
                        </Menu.Item>
                        <Menu.Item color="red" leftSection={<IconTrash size={14} />} onClick={() => window.confirm(`Delete the monitor ${m.name}?`) && void act(del({ id: m.id }), `${m.name} deleted`)}>
                          Delete
                        </Menu.Item>
                      </Menu.Dropdown>
                    </Menu>
                    </Group>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {monitors.length > 0 && <LoadMore pages={pages} />}
    </Stack>
  );
}
