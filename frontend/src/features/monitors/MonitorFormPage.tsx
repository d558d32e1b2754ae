// Create or edit a monitor: schedule (presets or cron, described in words with
// the next five run times), collections, locations, alert channels and policy.
import { Anchor, Button, Checkbox, Chip, Group, List, MultiSelect, NumberInput, Paper, Select, SimpleGrid, Stack, TagsInput, Text, TextInput, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { IconPlayerPause, IconPlayerPlay } from '@tabler/icons-react';
import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { useMutation, useQuery } from 'urql';
import { ErrorState, Loading, PageHeader } from '../../components/States';
import { BadgePanel } from '../status/BadgePanel';
import { StatusBadge } from '../../components/StatusBadge';
import { getFragmentData } from '../../gql';
import type { ErroredMode, MonitorInput } from '../../gql/graphql';
import { MonitorCardDoc } from '../../lib/useMonitorPages';
import { FormErrors } from '../../components/FormErrors';
import { errorMessage, fieldErrors, onFields } from '../../lib/errors';
import { CreateMonitorDocument, MonitorDocument, MonitorFormOptionsDocument, PauseMonitorDocument, ResumeMonitorDocument, SchedulePreviewDocument, UpdateMonitorDocument } from './api';
import { locationSuggestions } from './locations';
import { PRESETS, formatInZone, previewSchedule } from './schedule';
import { MonitorStatsPanel } from './MonitorStatsPanel';
import { HistoryPanel } from '../versions/HistoryPanel';
import { MonitorMaintenancePanel } from '../maintenance/MonitorMaintenancePanel';

interface FormState {
  name: string;
  schedule: string;
  timeZone: string;
  locations: string[];
  collectionIds: string[];
  channelIds: string[];
  failureThreshold: number;
  recoveryEnabled: boolean;
  recoveryThreshold: number;
  reminderIntervalMinutes: number;
  erroredMode: ErroredMode;
  minFailedLocations: number;
  /** The environment each collection runs in, by collection id ("" or absent: none). */
  environments: Record<string, string>;
  retries: number;
  retryDelaySeconds: number;
  retryLocation: string;
}

const DEFAULTS: FormState = {
  name: '',
  schedule: 'every 5m',
  timeZone: 'UTC',
  locations: ['local'],
  collectionIds: [],
  channelIds: [],
  failureThreshold: 2,
  recoveryEnabled: true,
  recoveryThreshold: 1,
  reminderIntervalMinutes: 0,
  erroredMode: 'AS_FAILURE',
  minFailedLocations: 1,
  environments: {},
  retries: 0,
  retryDelaySeconds: 30,
  retryLocation: '',
};

function zones(): string[] {
  const intl = Intl as unknown as { supportedValuesOf?: (k: string) => string[] };
  return ['UTC', ...(intl.supportedValuesOf?.('timeZone') ?? [])];
}

/** The schedule in words and its next five times: computed here at once, confirmed by the server's schedulePreview. */
function SchedulePreviewBox({ schedule, timeZone, serverError }: { schedule: string; timeZone: string; serverError?: string }) {
  const [expr] = useDebouncedValue(schedule, 300);
  const [tz] = useDebouncedValue(timeZone, 300);
  const local = useMemo(() => previewSchedule(schedule, timeZone, new Date()), [schedule, timeZone]);
  const [server] = useQuery({ query: SchedulePreviewDocument, variables: { schedule: expr, timeZone: tz }, pause: expr.trim() === '' || !local.ok });
  const times = server.data?.schedulePreview.map((t) => new Date(t)) ?? (local.ok ? local.next : []);
  const err = serverError ?? (local.ok ? (server.error ? errorMessage(server.error) : null) : local.error);
  return (
    <Paper withBorder p="sm" data-testid="schedule-preview" bg="var(--mantine-color-default-hover)">
      {err ? (
        <Text size="sm" c="red" role="alert">
          {err}
        </Text>
      ) : local.ok ? (
        <Stack gap={4}>
          <Text size="sm" fw={600} data-testid="schedule-description">
            {local.description}
          </Text>
          <Text size="xs" c="dimmed">
            Next runs ({timeZone || 'UTC'}):
          </Text>
          <List size="sm" spacing={0} data-testid="schedule-next">
            {times.map((t) => (
              <List.Item key={t.toISOString()} className="mono">
                {formatInZone(t, timeZone)}
              </List.Item>
            ))}
          </List>
        </Stack>
      ) : null}
    </Paper>
  );
}

export function MonitorFormPage() {
  const { id } = useParams();
  const editing = id !== undefined;
  const [existing, refetchMonitor] = useQuery({ query: MonitorDocument, variables: { id: id ?? '' }, pause: !editing });
  const [opts] = useQuery({ query: MonitorFormOptionsDocument });
  const [createResult, create] = useMutation(CreateMonitorDocument);
  const [updateResult, update] = useMutation(UpdateMonitorDocument);
  const [, pause] = useMutation(PauseMonitorDocument);
  const [, resume] = useMutation(ResumeMonitorDocument);
  const navigate = useNavigate();
  const [f, setF] = useState<FormState>(DEFAULTS);
  const [loaded, setLoaded] = useState(!editing);
  const monitor = existing.data?.monitor;
  const m = useMemo(
    () => (monitor ? { ...getFragmentData(MonitorCardDoc, monitor), channels: monitor.channels, policy: monitor.policy, environments: monitor.environments, retry: monitor.retry } : undefined),
    [monitor],
  );

  useEffect(() => {
    if (!m || loaded) return;
    setF({
      name: m.name,
      schedule: m.schedule,
      timeZone: m.timeZone,
      locations: m.locations,
      collectionIds: m.collections.map((c) => c.id),
      channelIds: m.channels.map((c) => c.id),
      ...m.policy,
      environments: Object.fromEntries(m.environments.map((e) => [e.collection.id, e.environment])),
      retries: m.retry.retries,
      retryDelaySeconds: m.retry.delaySeconds,
      retryLocation: m.retry.location ?? '',
    });
    setLoaded(true);
  }, [m, loaded]);

  const zoneList = useMemo(zones, []);
  const result = editing ? updateResult : createResult;
  const errs = fieldErrors(result.error);
  const set = (patch: Partial<FormState>) => setF({ ...f, ...patch });

  if (editing && existing.error && !existing.data) return <ErrorState message={errorMessage(existing.error) ?? ''} />;
  if ((editing && !loaded) || (opts.fetching && !opts.data)) return <Loading />;
  if (editing && !m) return <ErrorState message={`There is no monitor ${id}.`} />;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const input: MonitorInput = {
      name: f.name.trim(),
      schedule: f.schedule.trim(),
      timeZone: f.timeZone,
      locations: f.locations,
      collectionIds: f.collectionIds,
      channelIds: f.channelIds,
      policy: {
        failureThreshold: f.failureThreshold,
        recoveryEnabled: f.recoveryEnabled,
        recoveryThreshold: f.recoveryThreshold,
        reminderIntervalMinutes: f.reminderIntervalMinutes,
        erroredMode: f.erroredMode,
        minFailedLocations: f.minFailedLocations,
      },
      environments: f.collectionIds.filter((c) => f.environments[c]).map((c) => ({ collectionId: c, environment: f.environments[c] })),
      retry: { retries: f.retries, delaySeconds: f.retryDelaySeconds, location: f.retryLocation.trim() || null },
    };
    const r = editing && id ? await update({ id, input }) : await create({ input });
    if (r.error) return;
    notifications.show({ color: 'green', message: editing ? 'Monitor saved' : 'Monitor created' });
    navigate('/monitors');
  };

  const collections = opts.data?.collections.edges.map((e) => ({ value: e.node.id, label: e.node.name })) ?? [];
  const withEnvironments = (opts.data?.collections.edges ?? []).map((e) => e.node).filter((c) => f.collectionIds.includes(c.id) && c.environments.length > 0);
  const channels = opts.data?.alertChannels.map((c) => ({ value: c.id, label: `${c.name} (${c.type.toLowerCase()})` })) ?? [];
  const presetValue = PRESETS.find((p) => p.value === f.schedule)?.value ?? 'custom';

  return (
    <form onSubmit={(e) => void submit(e)} noValidate>
      <Stack maw={900}>
        <PageHeader
          title={editing ? (m?.name ?? 'Monitor') : 'New monitor'}
          description={
            editing && m ? (
              <Group gap="xs">
                <StatusBadge status={m.state} />
                <Anchor component={Link} to={`/runs?monitor=${m.id}`} size="sm">
                  Runs of this monitor
                </Anchor>
              </Group>
            ) : undefined
          }
        >
          {editing && m && (
            <Button
              variant="default"
              leftSection={m.enabled ? <IconPlayerPause size={16} /> : <IconPlayerPlay size={16} />}
              onClick={async () => {
                const r = m.enabled ? await pause({ id: m.id }) : await resume({ id: m.id });
                if (r.error) notifications.show({ color: 'red', message: errorMessage(r.error) });
              }}
            >
              {m.enabled ? 'Pause' : 'Resume'}
            </Button>
          )}
        </PageHeader>
        <FormErrors error={result.error} placed={onFields('name', 'schedule', 'timeZone', 'collectionIds', 'collections', 'locations', 'channelIds', 'policy.failureThreshold', 'policy.reminderIntervalMinutes', 'policy.minFailedLocations', 'retry.retries', 'retry.delay', 'retry.location')} />
        {editing && m && <MonitorMaintenancePanel id={m.id} />}
        {editing && m && <MonitorStatsPanel monitorId={m.id} />}
        {editing && m && <BadgePanel monitorId={m.id} />}
        <TextInput label="Name" required value={f.name} onChange={(e) => set({ name: e.currentTarget.value })} error={errs.name} placeholder="Checkout every 5 minutes" />
        <Paper withBorder p="md">
          <Stack gap="sm">
            <Title order={4}>Schedule</Title>
            <Chip.Group value={presetValue} onChange={(v) => typeof v === 'string' && v !== 'custom' && set({ schedule: v })}>
              <Group gap="xs">
                {PRESETS.map((p) => (
                  <Chip key={p.value} value={p.value} size="sm">
                    {p.label}
                  </Chip>
                ))}
                <Chip value="custom" size="sm" onClick={() => presetValue !== 'custom' && set({ schedule: '*/10 * * * *' })}>
                  Custom cron
                </Chip>
              </Group>
            </Chip.Group>
            <SimpleGrid cols={{ base: 1, sm: 2 }}>
              <TextInput
                label="Schedule expression"
                description="every 30s / every 5m / every 1h, or cron: minute hour day month weekday"
                value={f.schedule}
                onChange={(e) => set({ schedule: e.currentTarget.value })}
                error={errs.schedule ? true : undefined}
                classNames={{ input: 'mono' }}
              />
              <Select label="Time zone" description="Cron fields are read in this zone" data={zoneList} value={f.timeZone} onChange={(v) => v && set({ timeZone: v })} searchable error={errs.timeZone} limit={50} />
            </SimpleGrid>
            <SchedulePreviewBox schedule={f.schedule} timeZone={f.timeZone} serverError={errs.schedule} />
          </Stack>
        </Paper>
        <Paper withBorder p="md">
          <Stack gap="sm">
            <Title order={4}>What and where</Title>
            <MultiSelect
              label="Collections"
              required
              data={collections}
              value={f.collectionIds}
              onChange={(v) => set({ collectionIds: v })}
              searchable
              error={errs.collectionIds ?? errs.collections}
              nothingFoundMessage="No collection by that name"
              placeholder={collections.length ? 'Pick one or more' : 'Create a collection first'}
            />
            {withEnvironments.map((c) => (
              <Select
                key={c.id}
                label={`Environment of ${c.name}`}
                placeholder="No environment"
                data={c.environments.map((e) => ({ value: e.name, label: e.shared ? `${e.name} (shared)` : e.name }))}
                value={f.environments[c.id] || null}
                onChange={(v) => set({ environments: { ...f.environments, [c.id]: v ?? '' } })}
                clearable
                error={errs[`environments.${c.id}`]}
                w={320}
              />
            ))}
            <TagsInput
              label="Locations"
              description='Runner locations; "local" is the built-in runner. Pick a known one or type a name and press Enter.'
              data={locationSuggestions(opts.data?.locations.map((l) => l.name) ?? [], f.locations)}
              value={f.locations}
              onChange={(v) => set({ locations: v })}
              error={errs.locations}
            />
          </Stack>
        </Paper>
        <Paper withBorder p="md">
          <Stack gap="sm">
            <Title order={4}>Alerts</Title>
            <MultiSelect
              label="Alert channels"
              data={channels}
              value={f.channelIds}
              onChange={(v) => set({ channelIds: v })}
              error={errs.channelIds}
              placeholder={channels.length ? 'Where to send alerts' : 'No channels yet'}
              description={
                <>
                  Manage channels and send a test alert under <Anchor component={Link} to="/channels" size="xs">Alert channels</Anchor>.
                </>
              }
            />
            <SimpleGrid cols={{ base: 1, sm: 3 }}>
              <NumberInput label="Alert after failures in a row" min={1} max={100} value={f.failureThreshold} onChange={(v) => set({ failureThreshold: Number(v) || 1 })} error={errs['policy.failureThreshold']} />
              <NumberInput label="Reminder every (minutes, 0 = off)" min={0} value={f.reminderIntervalMinutes} onChange={(v) => set({ reminderIntervalMinutes: Number(v) || 0 })} error={errs['policy.reminderIntervalMinutes']} />
              <NumberInput label="Minimum failing locations" min={1} value={f.minFailedLocations} onChange={(v) => set({ minFailedLocations: Number(v) || 1 })} error={errs['policy.minFailedLocations']} />
            </SimpleGrid>
            <Group gap="lg" align="flex-end">
              <Checkbox label="Notify on recovery" checked={f.recoveryEnabled} onChange={(e) => set({ recoveryEnabled: e.currentTarget.checked })} />
              <NumberInput label="Passes before recovery" min={1} value={f.recoveryThreshold} onChange={(v) => set({ recoveryThreshold: Number(v) || 1 })} disabled={!f.recoveryEnabled} w={180} />
              <Select
                label="Runs that could not execute (errored)"
                data={[
                  { value: 'AS_FAILURE', label: 'count as failures' },
                  { value: 'SEPARATE', label: 'open their own incidents' },
                  { value: 'IGNORE', label: 'never alert' },
                ]}
                value={f.erroredMode}
                onChange={(v) => v && set({ erroredMode: v as ErroredMode })}
                allowDeselect={false}
                w={240}
              />
            </Group>
            <Text size="sm" fw={600} mt="xs">
              Retry before alerting
            </Text>
            <Text size="xs" c="dimmed">
              A scheduled run that fails or errors is run again before it counts; only the last run of the chain alerts and shows on the dashboard.
            </Text>
            <SimpleGrid cols={{ base: 1, sm: 3 }}>
              <NumberInput label="Retries (0 = off)" min={0} max={5} value={f.retries} onChange={(v) => set({ retries: Number(v) || 0 })} error={errs['retry.retries']} />
              <NumberInput label="Delay between tries (seconds)" min={0} max={600} value={f.retryDelaySeconds} onChange={(v) => set({ retryDelaySeconds: Number(v) || 0 })} disabled={f.retries === 0} error={errs['retry.delay']} />
              <TextInput label="Retry from location" placeholder="where it failed" value={f.retryLocation} onChange={(e) => set({ retryLocation: e.currentTarget.value })} disabled={f.retries === 0} error={errs['retry.location']} />
            </SimpleGrid>
          </Stack>
        </Paper>
        <Group justify="flex-end">
          <Button variant="default" component={Link} to="/monitors">
            Cancel
          </Button>
          <Button type="submit" loading={result.fetching}>
            {editing ? 'Save monitor' : 'Create monitor'}
          </Button>
        </Group>
        {editing && id && (
          <Paper withBorder p="md">
            <Stack gap="sm">
              <Title order={4}>History</Title>
              <HistoryPanel
                objectType="MONITOR"
                objectId={id}
                onRestored={() => {
                  setLoaded(false);
                  refetchMonitor({ requestPolicy: 'network-only' });
                }}
              />
            </Stack>
          </Paper>
        )}
      </Stack>
    </form>
  );
}
