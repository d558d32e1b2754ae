import { Anchor, Badge, Button, Checkbox, Group, MultiSelect, Paper, Select, Stack, Table, Text } from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { useQuery } from 'urql';
import { EmptyState, ErrorState, Loading, PageHeader } from '../../components/States';
import { StatusBadge } from '../../components/StatusBadge';
import { QuietBadge } from '../maintenance/badges';
import type { RunStatus, RunsQuery } from '../../gql/graphql';
import { errorMessage } from '../../lib/errors';
import { dateTime, formatMs, relativeTime } from '../../lib/format';
import { RunFilterOptionsDocument, RunsDocument } from './api';

const STATUSES: RunStatus[] = ['PASSED', 'FAILED', 'ERRORED', 'MISSED', 'CANCELLED', 'RUNNING', 'QUEUED'];
const RANGES: Record<string, number> = { '1h': 3600e3, '24h': 86400e3, '7d': 7 * 86400e3, '30d': 30 * 86400e3 };

function isRunStatus(s: string): s is RunStatus {
  return (STATUSES as string[]).includes(s);
}

type RunRow = RunsQuery['runs']['edges'][number]['node'];

/** The monitor of a run, or how it started; a monitor's "Run now" is marked manual. */
function Origin({ r }: { r: RunRow }) {
  const env = r.environment && (
    <Badge size="xs" variant="light" ml={4} data-testid="run-row-environment">
      {r.environment}
    </Badge>
  );
  const retry = (r.retryAttempt > 0 || r.retried) && (
    <Text span size="xs" c="dimmed" ml={4} data-testid="run-row-retry">
      {r.retryAttempt > 0 ? `(retry ${r.retryAttempt})` : '(retried)'}
    </Text>
  );
  if (!r.monitor)
    return (
      <>
        <Text span size="sm" c="dimmed">
          {r.trigger.toLowerCase()}
        </Text>
        {env}
      </>
    );
  return (
    <>
      <Anchor component={Link} to={`/monitors/${r.monitor.id}`}>
        {r.monitor.name}
      </Anchor>
      {r.trigger === 'MANUAL' && (
        <Text span size="xs" c="dimmed" ml={4} data-testid="manual-run">
          (manual)
        </Text>
      )}
      {retry}
      {env}
    </>
  );
}

/** At phone width each run is a card: nothing is cut off and nothing scrolls sideways. */
function RunCard({ r, checked, onCheck }: { r: RunRow; checked: boolean; onCheck: (v: boolean) => void }) {
  return (
    <Paper withBorder p="sm" data-testid="run-card">
      <Group justify="space-between" wrap="nowrap" align="flex-start">
        <Stack gap={2} style={{ minWidth: 0 }}>
          <Group gap="xs">
            <Anchor component={Link} to={`/runs/${r.id}`} fw={600}>
              #{r.id}
            </Anchor>
            <StatusBadge status={r.status} />
            <QuietBadge reason={r.quiet} />
          </Group>
          <Text size="sm" truncate>
            {r.collectionName}
          </Text>
          <Text size="sm" component="div" data-testid="run-card-monitor">
            <Origin r={r} /> · {r.location}
          </Text>
          <Text size="xs" c="dimmed">
            {relativeTime(r.queuedAt)} · {r.finishedAt ? formatMs(r.durationMs) : '—'}
          </Text>
          {r.error && (
            <Text size="xs" c="dimmed" lineClamp={2}>
              {r.error}
            </Text>
          )}
        </Stack>
        <Checkbox aria-label={`Compare run #${r.id}`} checked={checked} onChange={(e) => onCheck(e.currentTarget.checked)} />
      </Group>
    </Paper>
  );
}

/** Run history with filters kept in the address (shareable) and cursor pagination. */
export function RunsPage() {
  const [params, setParams] = useSearchParams();
  const status = (params.get('status') ?? '').split(',').filter(isRunStatus);
  const collection = params.get('collection');
  const monitor = params.get('monitor');
  const location = params.get('location');
  const tag = params.get('tag');
  const range = params.get('range') ?? '';
  const after = params.get('after');
  const since = RANGES[range] ? new Date(Date.now() - RANGES[range]).toISOString() : null;
  // Round "since" to the minute so the query key stays stable between renders.
  const sinceKey = since ? `${since.slice(0, 16)}:00Z` : null;
  const [res, refetch] = useQuery({
    query: RunsDocument,
    variables: { status: status.length ? status : null, collectionId: collection, monitorId: monitor, location, since: sinceKey, first: 25, after, tag },
  });
  const [opts] = useQuery({ query: RunFilterOptionsDocument });
  const phone = useMediaQuery('(max-width: 48em)');
  const navigate = useNavigate();
  // Any two runs can be compared: tick them, then Compare.
  const [picked, setPicked] = useState<string[]>([]);
  const pick = (id: string, on: boolean) => setPicked((p) => (on ? [...p.filter((x) => x !== id), id].slice(-2) : p.filter((x) => x !== id)));
  const compare = () => {
    // The newer run on the left, as "this run".
    const [a, b] = [...picked].sort((x, y) => Number(y) - Number(x));
    navigate(`/runs/${a}/compare?with=${b}`);
  };
  const set = (k: string, v: string | null) => {
    const next = new URLSearchParams(params);
    if (v) next.set(k, v);
    else next.delete(k);
    if (k !== 'after') next.delete('after');
    setParams(next);
  };
  const locations = Array.from(new Set(['local', ...(opts.data?.monitors.edges.flatMap((e) => e.node.locations) ?? [])]));
  const edges = res.data?.runs.edges ?? [];
  const filtered = status.length > 0 || collection || monitor || location || range || tag;
  return (
    <Stack>
      <PageHeader title="History" description="Every run, newest first." />
      <Group gap="sm" align="flex-end" wrap="wrap">
        <MultiSelect label="Status" placeholder="any" data={STATUSES.map((s) => ({ value: s, label: s.toLowerCase() }))} value={status} onChange={(v) => set('status', v.join(','))} clearable w={240} />
        <Select label="Collection" placeholder="any" data={opts.data?.collections.edges.map((e) => ({ value: e.node.id, label: e.node.name })) ?? []} value={collection} onChange={(v) => set('collection', v)} clearable searchable w={200} />
        <Select label="Monitor" placeholder="any" data={opts.data?.monitors.edges.map((e) => ({ value: e.node.id, label: e.node.name })) ?? []} value={monitor} onChange={(v) => set('monitor', v)} clearable searchable w={200} />
        <Select label="Location" placeholder="any" data={locations} value={location} onChange={(v) => set('location', v)} clearable w={150} />
        <Select label="Tag" placeholder="any" data={opts.data?.tags ?? []} value={tag} onChange={(v) => set('tag', v)} clearable searchable w={150} />
        <Select
          label="Time range"
          placeholder="all time"
          data={[
            { value: '1h', label: 'Last hour' },
            { value: '24h', label: 'Last 24 hours' },
            { value: '7d', label: 'Last 7 days' },
            { value: '30d', label: 'Last 30 days' },
          ]}
          value={range || null}
          onChange={(v) => set('range', v)}
          clearable
          w={160}
        />
        {filtered && (
          <Button variant="subtle" onClick={() => setParams(new URLSearchParams())}>
            Clear filters
          </Button>
        )}
      </Group>
      {picked.length > 0 && (
        <Group gap="sm" data-testid="compare-bar">
          <Text size="sm">{picked.length === 1 ? `Run #${picked[0]} picked: tick one more to compare` : `Runs #${picked[0]} and #${picked[1]} picked`}</Text>
          <Button size="xs" disabled={picked.length !== 2} onClick={compare}>
            Compare
          </Button>
          <Button size="xs" variant="subtle" onClick={() => setPicked([])}>
            Clear
          </Button>
        </Group>
      )}
      {res.error && !res.data ? (
        <ErrorState message={errorMessage(res.error) ?? ''} onRetry={() => refetch({ requestPolicy: 'network-only' })} />
      ) : res.fetching && !res.data ? (
        <Loading />
      ) : edges.length === 0 ? (
        <EmptyState title={filtered ? 'No run matches these filters' : 'No runs yet'}>{filtered ? 'Widen the filters or clear them.' : 'Run a collection from its editor, or create a monitor to run it on a schedule.'}</EmptyState>
      ) : phone ? (
        <Stack gap="xs" data-testid="runs-cards">
          {edges.map(({ node: r }) => (
            <RunCard key={r.id} r={r} checked={picked.includes(r.id)} onCheck={(v) => pick(r.id, v)} />
          ))}
        </Stack>
      ) : (
        <Table.ScrollContainer minWidth={720}>
          <Table highlightOnHover data-testid="runs-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th w={32} />
                <Table.Th>Run</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th>Collection</Table.Th>
                <Table.Th>Monitor</Table.Th>
                <Table.Th>Location</Table.Th>
                <Table.Th>Queued</Table.Th>
                <Table.Th>Duration</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {edges.map(({ node: r }) => (
                <Table.Tr key={r.id} data-testid="run-row">
                  <Table.Td>
                    <Checkbox aria-label={`Compare run #${r.id}`} checked={picked.includes(r.id)} onChange={(e) => pick(r.id, e.currentTarget.checked)} />
                  </Table.Td>
                  <Table.Td>
                    <Anchor component={Link} to={`/runs/${r.id}`}>
                      #{r.id}
                    </Anchor>
                  </Table.Td>
                  <Table.Td>
                    <Group gap={4}>
                      <StatusBadge status={r.status} />
                      <QuietBadge reason={r.quiet} />
                    </Group>
                    {r.error && (
                      <Text size="xs" c="dimmed" lineClamp={1} maw={220}>
                        {r.error}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>{r.collection ? <Anchor component={Link} to={`/collections/${r.collection.id}`}>{r.collectionName}</Anchor> : r.collectionName}</Table.Td>
                  <Table.Td>
                    <Origin r={r} />
                  </Table.Td>
                  <Table.Td>{r.location}</Table.Td>
                  <Table.Td title={dateTime(r.queuedAt)}>{relativeTime(r.queuedAt)}</Table.Td>
                  <Table.Td>{r.finishedAt ? formatMs(r.durationMs) : '—'}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <Group justify="center">
        {after && (
          <Button variant="default" onClick={() => set('after', null)}>
            Newest runs
          </Button>
        )}
        {res.data?.runs.pageInfo.hasNextPage && (
          <Button variant="default" onClick={() => set('after', res.data?.runs.pageInfo.endCursor ?? null)}>
            Older runs
          </Button>
        )}
      </Group>
    </Stack>
  );
}
