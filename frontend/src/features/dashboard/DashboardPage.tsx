// The monitors at a glance: open incidents first, then every monitor with its
// state, last run, uptime and p95 latency over 24 h and 7 d, Apdex and error
// budget left over 7 d, and a sparkline.
import { Alert, Anchor, Badge, Button, Card, Group, Select, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { IconAlertTriangle, IconMapPin, IconPlus } from '@tabler/icons-react';
import { useEffect } from 'react';
import { Link, useSearchParams } from 'react-router';
import { MaintenanceBadge, TagBadges } from '../maintenance/badges';
import { useQuery } from 'urql';
import { EmptyState, ErrorState, Loading, PageHeader } from '../../components/States';
import { StatusBadge } from '../../components/StatusBadge';
import { getFragmentData } from '../../gql';
import type { LocationQueueFragment, MonitorCardFragment } from '../../gql/graphql';
import { errorMessage } from '../../lib/errors';
import { relativeTime } from '../../lib/format';
import { LoadMore } from '../../components/LoadMore';
import { LatencySparkline } from '../../components/LatencySparkline';
import { useMonitorPages } from '../../lib/useMonitorPages';
import { cardFigures } from './figures';
import { DashboardDocument, LocationQueueDoc } from './api';
import { describeQueue, queueState, sortLocations, STUCK_AFTER_SECONDS } from './locations';

const ORDER: Record<string, number> = { FAILING: 0, NO_DATA: 1, PASSING: 2, PAUSED: 3 };

// Lists refetch when any mutation returns one of these (an empty list names no type).
const DASHBOARD_CTX = { additionalTypenames: ['Monitor', 'Incident'] };

/** The latest finished run, the sparkline's newest point. */
function lastRunOf(m: MonitorCardFragment) {
  return m.stats.latest;
}

function Figure({ label, value }: { label: string; value: string }) {
  return (
    <Stack gap={0}>
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      <Text size="sm" fw={600}>
        {value}
      </Text>
    </Stack>
  );
}

function MonitorCard({ m }: { m: MonitorCardFragment }) {
  const last = lastRunOf(m);
  return (
    <Card withBorder padding="md" data-testid="monitor-card" data-state={m.state.toLowerCase()}>
      <Group justify="space-between" wrap="nowrap" mb="xs">
        <Anchor component={Link} to={`/monitors/${m.id}`} fw={600} truncate>
          {m.name}
        </Anchor>
        <Group gap={4} wrap="nowrap">
          <MaintenanceBadge m={m.maintenance} />
          <StatusBadge status={m.state} />
        </Group>
      </Group>
      <TagBadges tags={m.tags} />
      <Group justify="space-between" align="flex-end" wrap="nowrap">
        <SimpleGrid cols={2} spacing="xs" verticalSpacing={4}>
          {cardFigures(m.stats).map((f) => (
            <Figure key={f.label} label={f.label} value={f.value} />
          ))}
        </SimpleGrid>
        <LatencySparkline durations={m.stats.latencyMs} latest={m.stats.latest} w={120} />
      </Group>
      <Text size="xs" c="dimmed" mt="sm">
        {last ? (
          <>
            Last run{' '}
            <Anchor component={Link} to={`/runs?monitor=${m.id}`} size="xs">
              {last.status.toLowerCase()}
            </Anchor>{' '}
            {relativeTime(last.at)}
          </>
        ) : (
          'No run yet'
        )}
        {' · '}
        {m.enabled ? `next ${relativeTime(m.nextRunAt)}` : 'paused'} · {m.schedule}
      </Text>
    </Card>
  );
}

const REFRESH_MS = 30_000;

const QUEUE_COLOR = { idle: 'gray', waiting: 'blue', stuck: 'orange' } as const;

/**
 * Where runs execute and what waits there: a location with no runner shows
 * its queued runs, in warning colour once the oldest has waited a minute.
 */
function LocationsPanel({ locations }: { locations: ReadonlyArray<LocationQueueFragment> }) {
  if (locations.length === 0) return null;
  const stuck = locations.filter((l) => queueState(l) === 'stuck');
  return (
    <Card withBorder padding="sm" data-testid="locations-panel">
      <Group justify="space-between" mb="xs">
        <Group gap={6}>
          <IconMapPin size={16} />
          <Text fw={600} size="sm">
            Locations
          </Text>
        </Group>
        {stuck.length > 0 && (
          <Text size="xs" c="orange">
            {stuck.length === 1 ? '1 location has' : `${stuck.length} locations have`} runs waiting over {STUCK_AFTER_SECONDS} s: is its runner up?
          </Text>
        )}
      </Group>
      <Group gap="xs">
        {sortLocations(locations).map((l) => {
          const state = queueState(l);
          return (
            <Badge
              key={l.name}
              variant={state === 'idle' ? 'outline' : 'light'}
              color={QUEUE_COLOR[state]}
              size="lg"
              tt="none"
              data-testid="location"
              data-state={state}
              title={`${l.monitors} monitor${l.monitors === 1 ? '' : 's'} · ${describeQueue(l)}`}
            >
              {l.name} · {describeQueue(l)}
            </Badge>
          );
        })}
      </Group>
    </Card>
  );
}

export function DashboardPage() {
  const [res, refetch] = useQuery({ query: DashboardDocument, context: DASHBOARD_CTX });
  const pages = useMonitorPages(DASHBOARD_CTX);
  const [params, setParams] = useSearchParams();
  const tag = params.get('tag');
  const allTags = Array.from(new Set(pages.monitors.flatMap((m) => m.tags))).sort();
  const monitors = [...pages.monitors].filter((m) => !tag || m.tags.includes(tag)).sort((a, b) => (ORDER[a.state] ?? 9) - (ORDER[b.state] ?? 9) || a.name.localeCompare(b.name));
  const incidents = res.data?.incidents ?? [];
  const mres = pages.res;
  // Incidents and location queues change without a mutation here: refresh them.
  useEffect(() => {
    const t = window.setInterval(() => refetch({ requestPolicy: 'network-only' }), REFRESH_MS);
    return () => window.clearInterval(t);
  }, [refetch]);
  return (
    <Stack>
      <PageHeader title="Dashboard" description="Open incidents first, then every monitor.">
        <Button component={Link} to="/monitors/new" leftSection={<IconPlus size={16} />}>
          New monitor
        </Button>
      </PageHeader>
      {incidents.length > 0 && (
        <Stack gap="xs" data-testid="open-incidents">
          <Title order={4}>Open incidents</Title>
          {incidents.map((i) => (
            <Alert key={i.id} color={i.status === 'OPEN' ? 'red' : 'yellow'} icon={<IconAlertTriangle size={18} />} p="sm">
              <Group justify="space-between" wrap="wrap">
                <Text size="sm">
                  <b>{i.monitor?.name ?? 'deleted monitor'}</b> · {i.collection?.name ?? 'deleted collection'}: {i.summary}
                </Text>
                <Group gap="xs">
                  <StatusBadge status={i.status} />
                  <Text size="xs" c="dimmed">
                    since {relativeTime(i.openedAt)}
                  </Text>
                  {i.lastRun && (
                    <Anchor component={Link} to={`/runs/${i.lastRun.id}`} size="sm">
                      latest run
                    </Anchor>
                  )}
                </Group>
              </Group>
            </Alert>
          ))}
        </Stack>
      )}
      <LocationsPanel locations={getFragmentData(LocationQueueDoc, res.data?.locations) ?? []} />
      {allTags.length > 0 && (
        <Select
          label="Tag"
          placeholder="every monitor"
          data={allTags}
          value={tag}
          onChange={(v) => setParams(v ? { tag: v } : {})}
          clearable
          w={220}
          data-testid="dashboard-tag-filter"
        />
      )}
      {(res.error && !res.data) || (mres.error && !mres.data) ? (
        <ErrorState
          message={errorMessage(res.error ?? mres.error) ?? ''}
          onRetry={() => {
            refetch({ requestPolicy: 'network-only' });
            pages.reload();
          }}
        />
      ) : mres.fetching && !mres.data ? (
        <Loading />
      ) : monitors.length === 0 ? (
        <EmptyState
          title="No monitors yet"
          action={
            <Group>
              <Button component={Link} to="/collections">
                Build a collection
              </Button>
              <Button component={Link} to="/monitors/new" variant="default">
                Create a monitor
              </Button>
            </Group>
          }
        >
          A monitor runs collections on a schedule and alerts you when they fail.
        </EmptyState>
      ) : (
        <>
          <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }}>
            {monitors.map((m) => (
              <MonitorCard key={m.id} m={m} />
            ))}
          </SimpleGrid>
          <LoadMore pages={pages} />
        </>
      )}
    </Stack>
  );
}
