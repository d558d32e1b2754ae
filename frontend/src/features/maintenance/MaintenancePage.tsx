// Maintenance windows and mutes: the windows with their next opening, a form
// to add one, the mutes in force; an alert's "mute" link lands here with
// ?mute=MONITOR&minutes=120 (&incident=ID) and asks before muting.
import { Alert, Anchor, Badge, Button, Card, Group, MultiSelect, NumberInput, SegmentedControl, Select, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconBellOff } from '@tabler/icons-react';
import { useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { useMutation, useQuery } from 'urql';
import { ErrorState, Loading, PageHeader } from '../../components/States';
import { getFragmentData } from '../../gql';
import type { MaintenanceMode, MaintenanceWindowInput, WindowFieldsFragment } from '../../gql/graphql';
import { errorMessage, fieldErrors } from '../../lib/errors';
import { dateTime } from '../../lib/format';
import { CreateWindowDocument, DeleteWindowDocument, MaintenanceDocument, MuteIncidentDocument, MuteMonitorDocument, UnmuteMonitorDocument, WindowFieldsDoc } from './api';

const CTX = { additionalTypenames: ['MaintenanceWindow', 'Mute', 'Monitor'] };

/** When a window opens, in words. */
function describe(w: WindowFieldsFragment): string {
  if (w.cron) return `${w.cron} (${w.timeZone}) for ${w.durationMinutes} min`;
  return `${dateTime(w.startsAt)} – ${dateTime(w.endsAt)}`;
}

/** The confirmation an alert's mute link opens. */
function MuteFromLink({ monitors }: { monitors: ReadonlyArray<{ id: string; name: string }> }) {
  const [params, setParams] = useSearchParams();
  const [, muteMonitor] = useMutation(MuteMonitorDocument);
  const [, muteIncident] = useMutation(MuteIncidentDocument);
  const id = params.get('mute');
  if (!id) return null;
  const incident = params.get('incident');
  const minutes = Math.max(1, Number(params.get('minutes') ?? 120) || 120);
  const name = monitors.find((m) => m.id === id)?.name ?? `monitor ${id}`;
  const done = () => {
    const next = new URLSearchParams(params);
    ['mute', 'incident', 'minutes'].forEach((k) => next.delete(k));
    setParams(next);
  };
  const confirm = async () => {
    const r = incident ? await muteIncident({ id: incident, minutes }, CTX) : await muteMonitor({ id, minutes }, CTX);
    if (r.error) {
      notifications.show({ color: 'red', title: 'Not muted', message: errorMessage(r.error) });
      return;
    }
    notifications.show({ color: 'green', message: `${name} muted for ${minutes} minutes` });
    done();
  };
  return (
    <Alert color="grape" icon={<IconBellOff size={18} />} title={incident ? `Mute incident #${incident} of ${name}?` : `Mute ${name}?`} data-testid="mute-confirm">
      <Group justify="space-between">
        <Text size="sm">Its notifications are held for {minutes} minutes; runs go on and are recorded. If it still fails afterwards, one summary is sent.</Text>
        <Group gap="xs">
          <Button size="xs" color="grape" onClick={() => void confirm()}>
            Mute for {minutes >= 60 && minutes % 60 === 0 ? `${minutes / 60} h` : `${minutes} min`}
          </Button>
          <Button size="xs" variant="subtle" onClick={done}>
            Cancel
          </Button>
        </Group>
      </Group>
    </Alert>
  );
}

/** Local datetime-local text to an ISO instant. */
function toISO(local: string): string | null {
  if (!local) return null;
  const d = new Date(local);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

function WindowForm({ monitors, tags }: { monitors: ReadonlyArray<{ id: string; name: string }>; tags: ReadonlyArray<string> }) {
  const [result, create] = useMutation(CreateWindowDocument);
  const [kind, setKind] = useState<'once' | 'recurring'>('once');
  const [name, setName] = useState('');
  const [mode, setMode] = useState<MaintenanceMode>('QUIET');
  const [startsAt, setStartsAt] = useState('');
  const [endsAt, setEndsAt] = useState('');
  const [cron, setCron] = useState('0 2 * * *');
  const [duration, setDuration] = useState<number | string>(60);
  const [timeZone, setTimeZone] = useState(Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC');
  const [monitorIds, setMonitorIds] = useState<string[]>([]);
  const [tag, setTag] = useState<string | null>(null);
  const errs = fieldErrors(result.error);
  const submit = async () => {
    const input: MaintenanceWindowInput = { name, mode, monitorIds, tag: tag || null };
    if (kind === 'once') {
      input.startsAt = toISO(startsAt);
      input.endsAt = toISO(endsAt);
    } else {
      input.cron = cron;
      input.durationMinutes = Number(duration) || 0;
      input.timeZone = timeZone;
    }
    const r = await create({ input }, CTX);
    if (r.error) {
      notifications.show({ color: 'red', title: 'Window not saved', message: errorMessage(r.error, true) ?? 'check the fields' });
      return;
    }
    notifications.show({ color: 'green', message: `Window "${name}" saved` });
    setName('');
  };
  return (
    <Card withBorder padding="md" data-testid="window-form">
      <Title order={4} mb="sm">
        New maintenance window
      </Title>
      <Stack gap="sm">
        <Group grow align="flex-start">
          <TextInput label="Name" value={name} onChange={(e) => setName(e.currentTarget.value)} error={errs['name']} required />
          <Select
            label="Mode"
            data={[
              { value: 'QUIET', label: 'Quiet: runs go on, no alerts' },
              { value: 'SKIP', label: 'Skip: slots are not run' },
            ]}
            value={mode}
            onChange={(v) => setMode((v as MaintenanceMode) ?? 'QUIET')}
            allowDeselect={false}
            error={errs['mode']}
          />
        </Group>
        <SegmentedControl
          value={kind}
          onChange={(v) => setKind(v as 'once' | 'recurring')}
          data={[
            { value: 'once', label: 'One-off' },
            { value: 'recurring', label: 'Recurring' },
          ]}
          w={260}
        />
        {kind === 'once' ? (
          <Group grow align="flex-start">
            <TextInput type="datetime-local" label="Starts" value={startsAt} onChange={(e) => setStartsAt(e.currentTarget.value)} error={errs['startsAt']} />
            <TextInput type="datetime-local" label="Ends" value={endsAt} onChange={(e) => setEndsAt(e.currentTarget.value)} error={errs['endsAt']} />
          </Group>
        ) : (
          <Group grow align="flex-start">
            <TextInput label="Cron (opens at)" value={cron} onChange={(e) => setCron(e.currentTarget.value)} error={errs['cron']} description="minute hour day-of-month month day-of-week" />
            <NumberInput label="Duration (minutes)" value={duration} onChange={setDuration} min={1} max={10080} error={errs['durationMinutes']} />
            <TextInput label="Time zone" value={timeZone} onChange={(e) => setTimeZone(e.currentTarget.value)} error={errs['timeZone']} />
          </Group>
        )}
        <Group grow align="flex-start">
          <MultiSelect label="Monitors" data={monitors.map((m) => ({ value: m.id, label: m.name }))} value={monitorIds} onChange={setMonitorIds} searchable error={errs['monitorIds']} />
          <Select label="…or every monitor tagged" data={[...tags]} value={tag} onChange={setTag} clearable searchable error={errs['tag']} />
        </Group>
        <Group>
          <Button onClick={() => void submit()} loading={result.fetching}>
            Save window
          </Button>
        </Group>
      </Stack>
    </Card>
  );
}

export function MaintenancePage() {
  const [res, refetch] = useQuery({ query: MaintenanceDocument, context: CTX });
  const [, del] = useMutation(DeleteWindowDocument);
  const [, unmute] = useMutation(UnmuteMonitorDocument);
  if (res.error && !res.data) return <ErrorState message={errorMessage(res.error) ?? ''} onRetry={() => refetch({ requestPolicy: 'network-only' })} />;
  if (!res.data) return <Loading />;
  const windows = getFragmentData(WindowFieldsDoc, res.data.maintenanceWindows);
  const monitors = res.data.monitors.edges.map((e) => e.node);
  return (
    <Stack>
      <PageHeader title="Maintenance" description="Windows in which monitors do not alert, and mutes. Alerts held back are summarised once afterwards if the failure persists." />
      <MuteFromLink monitors={monitors} />
      <Title order={4}>Windows</Title>
      {windows.length === 0 ? (
        <Text c="dimmed" size="sm">
          No maintenance window yet.
        </Text>
      ) : (
        <Table data-testid="windows-table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Name</Table.Th>
              <Table.Th>When</Table.Th>
              <Table.Th>Covers</Table.Th>
              <Table.Th>Mode</Table.Th>
              <Table.Th>Next</Table.Th>
              <Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {windows.map((w) => (
              <Table.Tr key={w.id} data-testid="window-row">
                <Table.Td>
                  {w.name}{' '}
                  {w.active && (
                    <Badge size="xs" color="grape" data-testid="window-active">
                      open now
                    </Badge>
                  )}
                </Table.Td>
                <Table.Td>{describe(w)}</Table.Td>
                <Table.Td>
                  {[...w.monitors.map((m) => m.name), ...(w.tag ? [`tag ${w.tag}`] : [])].join(', ')}
                </Table.Td>
                <Table.Td>{w.mode.toLowerCase()}</Table.Td>
                <Table.Td>{w.nextOpening ? `${dateTime(w.nextOpening.start)} – ${dateTime(w.nextOpening.end)}` : 'never again'}</Table.Td>
                <Table.Td>
                  <Button
                    size="xs"
                    variant="subtle"
                    color="red"
                    onClick={async () => {
                      const r = await del({ id: w.id }, CTX);
                      if (r.error) notifications.show({ color: 'red', message: errorMessage(r.error) });
                    }}
                  >
                    Delete
                  </Button>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <WindowForm monitors={monitors} tags={res.data.tags} />
      <Title order={4}>Mutes in force</Title>
      {res.data.mutes.length === 0 ? (
        <Text c="dimmed" size="sm">
          Nothing is muted.
        </Text>
      ) : (
        <Stack gap="xs" data-testid="mutes">
          {res.data.mutes.map((m) => (
            <Group key={m.id} justify="space-between">
              <Text size="sm">
                <Anchor component={Link} to={`/monitors/${m.monitor.id}`}>
                  {m.monitor.name}
                </Anchor>
                {m.collection ? ` · ${m.collection.name}` : ''}
                {m.incident ? ` (incident #${m.incident.id})` : ''} muted until {dateTime(m.until)}
              </Text>
              <Button
                size="xs"
                variant="subtle"
                onClick={async () => {
                  const r = await unmute({ id: m.monitor.id }, CTX);
                  if (r.error) notifications.show({ color: 'red', message: errorMessage(r.error) });
                }}
              >
                Unmute monitor
              </Button>
            </Group>
          ))}
        </Stack>
      )}
    </Stack>
  );
}
