import { ActionIcon, Anchor, Button, Checkbox, Group, MultiSelect, Paper, Stack, Text, TextInput, Textarea, Title, Tooltip } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconArrowDown, IconArrowUp, IconExternalLink, IconPlus, IconTrash } from '@tabler/icons-react';
import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { useMutation, useQuery } from 'urql';
import { FormErrors } from '../../components/FormErrors';
import { ErrorState, Loading, PageHeader } from '../../components/States';
import { getFragmentData } from '../../gql';
import { errorMessage, fieldErrors } from '../../lib/errors';
import { CreateStatusPageDocument, StatusPageDocument, StatusPageFields, StatusPageMonitorsDocument, UpdateStatusPageDocument } from './api';
import { EMPTY_FORM, chooseMonitors, move, slugFrom, slugProblem, takenElsewhere, toInput, type FormGroup, type FormState } from './model';
import { STATUS_CTX } from './StatusPagesPage';

/** Create or edit a status page: its address, texts, opt-ins, and groups of chosen monitors. */
export function StatusPageFormPage() {
  const { id } = useParams();
  const editing = id !== undefined;
  const [existing] = useQuery({ query: StatusPageDocument, variables: { id: id ?? '' }, pause: !editing, context: STATUS_CTX });
  const [monitors] = useQuery({ query: StatusPageMonitorsDocument });
  const [createResult, create] = useMutation(CreateStatusPageDocument);
  const [updateResult, update] = useMutation(UpdateStatusPageDocument);
  const navigate = useNavigate();
  const [f, setF] = useState<FormState>(EMPTY_FORM);
  const [loaded, setLoaded] = useState(!editing);
  const [slugTouched, setSlugTouched] = useState(editing);
  const page = existing.data?.statusPage ? getFragmentData(StatusPageFields, existing.data.statusPage) : undefined;

  useEffect(() => {
    if (!page || loaded) return;
    setF({
      slug: page.slug,
      title: page.title,
      description: page.description,
      showLatency: page.showLatency,
      groups: page.groups.map((g) => ({ name: g.name, monitors: g.monitors.map((m) => ({ monitorId: m.monitorId, displayName: m.displayName })) })),
    });
    setLoaded(true);
  }, [page, loaded]);

  const options = useMemo(() => (monitors.data?.monitors.edges ?? []).map((e) => ({ value: e.node.id, label: e.node.name })), [monitors.data]);
  const nameOf = useMemo(() => new Map(options.map((o) => [o.value, o.label])), [options]);
  const result = editing ? updateResult : createResult;
  const errs = fieldErrors(result.error);

  if (editing && existing.error && !existing.data) return <ErrorState message={errorMessage(existing.error) ?? ''} />;
  if ((editing && !loaded && existing.fetching) || (monitors.fetching && !monitors.data)) return <Loading />;
  if (editing && !page) return <ErrorState message={`There is no status page ${id}.`} />;

  const set = (patch: Partial<FormState>) => setF((prev) => ({ ...prev, ...patch }));
  const setGroup = (gi: number, g: FormGroup) => set({ groups: f.groups.map((old, i) => (i === gi ? g : old)) });
  const slugHint = f.slug === '' ? null : slugProblem(f.slug);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const input = toInput(f);
    const r = editing && id ? await update({ id, input }, STATUS_CTX) : await create({ input }, STATUS_CTX);
    if (r.error) return;
    notifications.show({ color: 'green', message: editing ? 'Status page saved' : 'Status page published' });
    navigate('/status-pages');
  };

  return (
    <form onSubmit={(e) => void submit(e)} noValidate>
      <Stack maw={900}>
        <PageHeader
          title={editing ? (page?.title ?? 'Status page') : 'New status page'}
          description={
            editing && page ? (
              <Anchor href={page.path} target="_blank" rel="noopener" size="sm">
                <Group gap={4}>
                  Preview {page.path} <IconExternalLink size={14} aria-label="opens in a new tab" />
                </Group>
              </Anchor>
            ) : (
              'Served without sign-in. It shows the names you choose, each monitor’s state and 90 days of uptime, and your public notes on current incidents.'
            )
          }
        />
        <FormErrors error={result.error} placed={(p) => p === 'slug' || p === 'title' || p === 'description' || /^groups\[\d+\]\.name$/.test(p)} />
        <Paper withBorder p="md">
          <Stack gap="sm">
            <TextInput
              label="Title"
              required
              value={f.title}
              onChange={(e) => {
                const title = e.currentTarget.value;
                set(slugTouched ? { title } : { title, slug: slugFrom(title) });
              }}
              error={errs.title}
              placeholder="Acme API status"
            />
            <TextInput
              label="Address"
              required
              leftSection={<Text size="sm">/status/</Text>}
              leftSectionWidth={64}
              value={f.slug}
              onChange={(e) => {
                setSlugTouched(true);
                set({ slug: e.currentTarget.value });
              }}
              error={errs.slug ?? slugHint}
              description="3 to 64 lowercase letters, digits and dashes"
              classNames={{ input: 'mono' }}
            />
            <Textarea label="Description" description="Shown under the title (optional)" autosize minRows={2} maxRows={6} maxLength={2000} value={f.description} onChange={(e) => set({ description: e.currentTarget.value })} error={errs.description} />
            <Checkbox
              label="Show latency"
              description="Each monitor’s median run time over the last 24 hours. Off by default: timings can say more about your systems than you want public."
              checked={f.showLatency}
              onChange={(e) => set({ showLatency: e.currentTarget.checked })}
            />
          </Stack>
        </Paper>
        {f.groups.map((g, gi) => {
          const taken = takenElsewhere(f.groups, gi);
          return (
            <Paper key={gi} withBorder p="md" data-testid="status-group">
              <Stack gap="sm">
                <Group justify="space-between" align="flex-end">
                  <TextInput label={`Group ${gi + 1}`} required value={g.name} onChange={(e) => setGroup(gi, { ...g, name: e.currentTarget.value })} error={errs[`groups[${gi}].name`]} style={{ flex: 1 }} />
                  <Group gap={4}>
                    <Tooltip label="Move group up">
                      <ActionIcon variant="default" aria-label="Move group up" disabled={gi === 0} onClick={() => set({ groups: move(f.groups, gi, -1) })}>
                        <IconArrowUp size={16} />
                      </ActionIcon>
                    </Tooltip>
                    <Tooltip label="Move group down">
                      <ActionIcon variant="default" aria-label="Move group down" disabled={gi === f.groups.length - 1} onClick={() => set({ groups: move(f.groups, gi, 1) })}>
                        <IconArrowDown size={16} />
                      </ActionIcon>
                    </Tooltip>
                    <Tooltip label="Remove group">
                      <ActionIcon variant="default" color="red" aria-label="Remove group" onClick={() => set({ groups: f.groups.filter((_, i) => i !== gi) })}>
                        <IconTrash size={16} />
                      </ActionIcon>
                    </Tooltip>
                  </Group>
                </Group>
                <MultiSelect
                  label="Monitors"
                  description="In the order chosen; a monitor can be on a page once."
                  data={options.filter((o) => !taken.has(o.value))}
                  value={g.monitors.map((m) => m.monitorId)}
                  onChange={(ids) => setGroup(gi, chooseMonitors(g, ids))}
                  searchable
                  nothingFoundMessage="No monitor by that name"
                  placeholder={options.length ? 'Choose monitors' : 'Create a monitor first'}
                />
                {g.monitors.map((m, mi) => (
                  <Group key={m.monitorId} gap="xs" align="flex-end" wrap="nowrap">
                    <TextInput
                      label={`Public name for ${nameOf.get(m.monitorId) ?? `monitor ${m.monitorId}`}`}
                      placeholder={nameOf.get(m.monitorId) ?? ''}
                      description="Empty shows the monitor’s own name"
                      value={m.displayName}
                      onChange={(e) => setGroup(gi, { ...g, monitors: g.monitors.map((old, i) => (i === mi ? { ...old, displayName: e.currentTarget.value } : old)) })}
                      error={errs[`groups[${gi}].monitors[${mi}].displayName`]}
                      style={{ flex: 1 }}
                    />
                    <ActionIcon variant="default" aria-label="Move monitor up" disabled={mi === 0} onClick={() => setGroup(gi, { ...g, monitors: move(g.monitors, mi, -1) })} mb={4}>
                      <IconArrowUp size={16} />
                    </ActionIcon>
                    <ActionIcon variant="default" aria-label="Move monitor down" disabled={mi === g.monitors.length - 1} onClick={() => setGroup(gi, { ...g, monitors: move(g.monitors, mi, 1) })} mb={4}>
                      <IconArrowDown size={16} />
                    </ActionIcon>
                  </Group>
                ))}
              </Stack>
            </Paper>
          );
        })}
        <Group justify="space-between">
          <Button variant="default" leftSection={<IconPlus size={16} />} onClick={() => set({ groups: [...f.groups, { name: '', monitors: [] }] })}>
            Add group
          </Button>
          <Group>
            <Button variant="default" component={Link} to="/status-pages">
              Cancel
            </Button>
            <Button type="submit" loading={result.fetching}>
              {editing ? 'Save status page' : 'Publish status page'}
            </Button>
          </Group>
        </Group>
        <Title order={6} c="dimmed" fw={400}>
          The public page is computed at most every 30 seconds, so a change can take that long to show.
        </Title>
      </Stack>
    </form>
  );
}
