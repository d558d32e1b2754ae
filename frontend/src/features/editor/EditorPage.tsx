// The collection editor: steps on the left (reorder by drag or keyboard), the
// selected step on the right, variables and secrets in their own tabs, Save for
// the whole collection, and Run with each step's status arriving live.
import { Alert, Anchor, Badge, Box, Button, Grid, Group, Menu, Modal, Paper, Select, Stack, Tabs, Text, TextInput, Textarea, Title } from '@mantine/core';
import { useDebouncedValue, useHotkeys } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { IconDeviceFloppy, IconDownload, IconHistory, IconPlayerPlay, IconPlus } from '@tabler/icons-react';
import { useEffect, useMemo, useState } from 'react';
import { Link, useBlocker, useParams, useSearchParams } from 'react-router';
import { useClient, useMutation, useQuery } from 'urql';
import { ErrorState, Loading } from '../../components/States';
import { StatusBadge } from '../../components/StatusBadge';
import { RunFieldsDoc } from '../../components/runFields';
import { getFragmentData, type FragmentType } from '../../gql';
import type { CollectionEditorQuery } from '../../gql/graphql';
import { FormErrors } from '../../components/FormErrors';
import { errorMessage, fieldErrors, under } from '../../lib/errors';
import { formatMs, relativeTime } from '../../lib/format';
import { RunSteps } from '../../components/RunSteps';
import { isFinal, useLiveRun } from '../../lib/useLiveRun';
import { clearDraft, loadDraft, saveDraft } from './draftStore';
import { CollectionEditorDocument, EnvironmentFieldsDoc, ExportCollectionDocument, ReplaceCollectionDocument, RunCollectionDocument } from './api';
import { environmentOptions } from './environments';
import { EnvironmentsPanel } from './EnvironmentsPanel';
import { KeyValueEditor } from './KeyValueEditor';
import { collectionToInput, extractNames, fingerprint, move, newKey, newStep, renameReferences, responsesOf, stepFromServer, type CollectionDraft, type StepDraft } from './model';
import { referenceProblems, type ReferenceContext } from './references';
import { SecretsPanel } from './SecretsPanel';
import { StepEditor } from './StepEditor';
import { StepList } from './StepList';
import { HistoryPanel } from '../versions/HistoryPanel';

function stepProblemCount(s: StepDraft, ctx: ReferenceContext): number {
  const fields = [s.url, s.body, ...s.headers.map((h) => h.value), ...s.assertions.map((a) => a.target)];
  return fields.reduce((n, f) => n + referenceProblems(f, ctx).filter((p) => p.severity === 'error').length, 0);
}

function download(name: string, text: string, type: string) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  URL.revokeObjectURL(url);
}

function draftFromServer(c: NonNullable<CollectionEditorQuery['collection']>): CollectionDraft {
  return {
    name: c.name,
    description: c.description,
    variables: c.variables.map((v) => ({ key: newKey(), name: v.name, value: v.value })),
    steps: c.steps.map(stepFromServer),
  };
}

export function EditorPage() {
  const { id = '' } = useParams();
  const [res, refetch] = useQuery({ query: CollectionEditorDocument, variables: { id } });
  const [saveResult, replace] = useMutation(ReplaceCollectionDocument);
  const [runResult, runCollection] = useMutation(RunCollectionDocument);
  const client = useClient();
  const [draft, setDraft] = useState<CollectionDraft | null>(null);
  const [saved, setSaved] = useState('');
  const [selected, setSelected] = useState<string | null>(null);
  const [search] = useSearchParams();
  const linkedVersion = Number(search.get('version')) || null;
  const [tab, setTab] = useState<string | null>(search.get('tab') === 'history' ? 'history' : 'steps');
  const [startedRun, setStartedRun] = useState<FragmentType<typeof RunFieldsDoc> | null>(null);
  // The environment the Run button runs in ("" for none).
  const [environment, setEnvironment] = useState('');
  // A draft restored from localStorage: when it was written, and whether the saved collection changed since.
  const [restored, setRestored] = useState<{ at: string; stale: boolean } | null>(null);

  const c = res.data?.collection;
  // Load the working copy once per collection; later refetches (after a run) keep edits.
  useEffect(() => {
    if (!c || (draft && saved !== '')) return;
    const d = draftFromServer(c);
    const base = fingerprint(d);
    const stored = loadDraft(c.id);
    const work = stored && fingerprint(stored.draft) !== base ? stored.draft : d;
    if (work !== d && stored) setRestored({ at: stored.at, stale: stored.base !== base });
    else if (stored) clearDraft(c.id);
    setDraft(work);
    setSaved(base);
    setSelected(work.steps[0]?.key ?? null);
  }, [c]);

  const live = useLiveRun(getFragmentData(RunFieldsDoc, startedRun)?.id ?? null, startedRun);
  const liveRun = live.run;
  useEffect(() => {
    if (liveRun && isFinal(liveRun.status)) refetch({ requestPolicy: 'network-only' });
  }, [liveRun?.status]);

  const lastRun = liveRun && isFinal(liveRun.status) ? liveRun : (getFragmentData(RunFieldsDoc, c?.lastRun) ?? null);
  const responses = useMemo(() => responsesOf(lastRun), [lastRun]);
  const environments = useMemo(() => (c?.environments ?? []).map((e) => getFragmentData(EnvironmentFieldsDoc, e)), [c?.environments]);
  // References may use a variable that only the environments define.
  const variables = useMemo(
    () => ({
      ...Object.fromEntries(environments.flatMap((e) => e.variables.map((v) => [v.name, v.value]))),
      ...Object.fromEntries((draft?.variables ?? []).filter((v) => v.name.trim()).map((v) => [v.name.trim(), v.value])),
    }),
    [draft?.variables, environments],
  );
  const secretNames = useMemo(() => [...(c?.secrets ?? []).map((s) => s.name), ...environments.flatMap((e) => e.secrets.map((s) => s.name))], [c?.secrets, environments]);
  const refSteps = (draft?.steps ?? []).map((s) => (s.kind === 'browser' ? { name: s.name, extracts: extractNames(s) } : { name: s.name }));
  const contextFor = (index: number): ReferenceContext => ({ steps: refSteps, index, variables, secretNames, lastRun: responses });

  const dirty = draft !== null && fingerprint(draft) !== saved;
  // Keep the unsaved working copy (a crash or an expired session must not lose it).
  const [debouncedDraft] = useDebouncedValue(draft, 300);
  useEffect(() => {
    if (!debouncedDraft || saved === '') return;
    // Just saved: the debounced copy may still be the edit before the save;
    // writing it would bring a stale draft back on reload.
    if (draft && fingerprint(draft) === saved) clearDraft(id);
    else if (fingerprint(debouncedDraft) !== saved) saveDraft(id, debouncedDraft, saved);
    else clearDraft(id);
  }, [debouncedDraft, saved, id]);
  // Leaving the editor with unsaved changes asks first; signing in again after
  // an expired session is not blocked (the draft keeps the work).
  const blocker = useBlocker(({ currentLocation, nextLocation }) => dirty && currentLocation.pathname !== nextLocation.pathname && nextLocation.pathname !== '/signin');
  const errs = fieldErrors(saveResult.error);

  const save = async (): Promise<boolean> => {
    if (!draft) return false;
    const r = await replace({ id, input: collectionToInput(draft) });
    if (r.error) {
      notifications.show({ color: 'red', title: 'Not saved', message: errorMessage(r.error, true) ?? 'Fix the fields marked in red.' });
      return false;
    }
    setSaved(fingerprint(draft));
    clearDraft(id);
    setRestored(null);
    notifications.show({ color: 'green', message: 'Collection saved' });
    return true;
  };

  const run = async () => {
    if (dirty && !(await save())) return;
    const r = await runCollection({ id, environment: environment || null });
    if (r.error) notifications.show({ color: 'red', title: 'Could not start the run', message: errorMessage(r.error) });
    else if (r.data) setStartedRun(r.data.runCollection);
  };

  // After a restore the saved collection is the restored one: the working
  // copy follows it (the panel asked first when there were unsaved edits).
  const reloadFromServer = async () => {
    const r = await client.query(CollectionEditorDocument, { id }, { requestPolicy: 'network-only' }).toPromise();
    const fresh = r.data?.collection;
    if (!fresh) return;
    const d = draftFromServer(fresh);
    clearDraft(id);
    setRestored(null);
    setDraft(d);
    setSaved(fingerprint(d));
    setSelected(d.steps[0]?.key ?? null);
  };

  useHotkeys([
    ['mod+s', () => void save()],
    ['mod+Enter', () => void run()],
  ]);

  useEffect(() => {
    if (!dirty) return;
    const warn = (e: BeforeUnloadEvent) => e.preventDefault();
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [dirty]);

  if (res.error && !res.data) return <ErrorState message={errorMessage(res.error) ?? ''} onRetry={() => refetch({ requestPolicy: 'network-only' })} />;
  if (res.fetching && !res.data) return <Loading label="Loading the collection…" />;
  if (!c) return <ErrorState message={`There is no collection ${id}; it may have been deleted.`} />;
  if (!draft) return <Loading />;

  const setSteps = (steps: StepDraft[]) => setDraft({ ...draft, steps });
  const index = draft.steps.findIndex((s) => s.key === selected);
  const step = index >= 0 ? draft.steps[index] : null;
  const names = draft.steps.map((s) => s.name);

  const statuses: Record<string, string> = {};
  if (liveRun) {
    for (const s of liveRun.steps) statuses[s.name] = s.status;
    if (!isFinal(liveRun.status)) {
      const next = draft.steps.find((s) => !(s.name in statuses));
      if (next) statuses[next.name] = liveRun.status === 'QUEUED' ? 'QUEUED' : 'RUNNING';
    }
  }
  const problems = Object.fromEntries(draft.steps.map((s, i) => [s.key, stepProblemCount(s, contextFor(i)) + Object.keys(under(errs, `steps[${i}]`)).length]));

  const exportAs = async (format: 'YAML' | 'JSON') => {
    const r = await client.query(ExportCollectionDocument, { id, format }, { requestPolicy: 'network-only' }).toPromise();
    if (r.error || !r.data) notifications.show({ color: 'red', title: 'Export failed', message: errorMessage(r.error) ?? '' });
    else download(`${c.name.replace(/[^A-Za-z0-9_-]+/g, '-')}.${format === 'YAML' ? 'yaml' : 'json'}`, r.data.exportCollection, format === 'YAML' ? 'application/yaml' : 'application/json');
  };

  return (
    <Stack gap="md">
      <Group justify="space-between" align="flex-start" wrap="wrap" gap="sm">
        <Stack gap={4} style={{ flex: '1 1 320px' }}>
          <TextInput
            aria-label="Collection name"
            value={draft.name}
            onChange={(e) => setDraft({ ...draft, name: e.currentTarget.value })}
            error={errs.name}
            variant="unstyled"
            styles={{ input: { fontSize: 'var(--mantine-h2-font-size)', fontWeight: 700 } }}
          />
          <Group gap="xs">
            {dirty ? (
              <Badge color="yellow" variant="light">
                unsaved changes
              </Badge>
            ) : (
              <Badge color="gray" variant="light">
                saved
              </Badge>
            )}
            {c.monitors.length > 0 && (
              <Text size="xs" c="dimmed">
                Monitored by{' '}
                {c.monitors.map((m, i) => (
                  <span key={m.id}>
                    {i > 0 ? ', ' : ''}
                    <Anchor component={Link} to={`/monitors/${m.id}`} size="xs">
                      {m.name}
                    </Anchor>
                  </span>
                ))}
              </Text>
            )}
          </Group>
        </Stack>
        <Group gap="xs">
          <Button component={Link} to={`/runs?collection=${id}`} variant="default" leftSection={<IconHistory size={16} />}>
            History
          </Button>
          <Menu withinPortal>
            <Menu.Target>
              <Button variant="default" leftSection={<IconDownload size={16} />}>
                Export
              </Button>
            </Menu.Target>
            <Menu.Dropdown>
              <Menu.Item onClick={() => void exportAs('YAML')}>Catena file (YAML)</Menu.Item>
              <Menu.Item onClick={() => void exportAs('JSON')}>Catena file (JSON)</Menu.Item>
            </Menu.Dropdown>
          </Menu>
          <Button variant="default" leftSection={<IconDeviceFloppy size={16} />} onClick={() => void save()} loading={saveResult.fetching} disabled={!dirty}>
            Save
          </Button>
          {environments.length > 0 && (
            <Select
              aria-label="Environment"
              data-testid="run-environment-select"
              placeholder="No environment"
              data={environmentOptions(environments)}
              value={environment || null}
              onChange={(v) => setEnvironment(v ?? '')}
              clearable
              w={180}
            />
          )}
          <Button leftSection={<IconPlayerPlay size={16} />} onClick={() => void run()} loading={runResult.fetching || (liveRun !== null && !isFinal(liveRun.status))} disabled={draft.steps.length === 0} color="green">
            Run
          </Button>
        </Group>
      </Group>

      {/* Field errors are listed below and marked on their fields; anything else shows here. */}
      <Modal opened={blocker.state === 'blocked'} onClose={() => blocker.reset?.()} title="Leave without saving?" data-testid="unsaved-dialog">
        <Stack>
          <Text size="sm">This collection has changes that are not saved. A draft stays in this browser until you save or discard it.</Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={() => blocker.reset?.()} data-autofocus>
              Stay
            </Button>
            <Button
              color="red"
              variant="light"
              onClick={() => {
                clearDraft(id);
                blocker.proceed?.();
              }}
            >
              Discard changes
            </Button>
            <Button
              onClick={() =>
                void save().then((ok) => {
                  if (ok) blocker.proceed?.();
                })
              }
            >
              Save and leave
            </Button>
          </Group>
        </Stack>
      </Modal>
      {restored && (
        <Alert color="yellow" title="Unsaved changes restored" withCloseButton onClose={() => setRestored(null)} data-testid="draft-restored">
          <Group justify="space-between">
            <Text size="sm">
              These are your unsaved edits from {relativeTime(restored.at)}
              {restored.stale ? '; the collection was changed since, and Save replaces that version' : ''}.
            </Text>
            <Button
              size="xs"
              variant="default"
              onClick={() => {
                clearDraft(id);
                setRestored(null);
                setDraft(draftFromServer(c));
              }}
            >
              Discard them
            </Button>
          </Group>
        </Alert>
      )}
      <FormErrors error={saveResult.error} placed={() => true} title="Not saved" />
      {saveResult.error && Object.keys(errs).length > 0 && (
        <Alert color="red" role="alert" title="Not saved: fix these fields">
          <Stack gap={2}>
            {Object.entries(errs).map(([k, v]) => (
              <Text size="sm" key={k}>
                <span className="mono">{k}</span>: {v}
              </Text>
            ))}
          </Stack>
        </Alert>
      )}

      <Tabs value={tab} onChange={setTab}>
        <Tabs.List>
          <Tabs.Tab value="steps">Steps ({draft.steps.length})</Tabs.Tab>
          <Tabs.Tab value="variables">Variables ({draft.variables.length})</Tabs.Tab>
          <Tabs.Tab value="secrets">Secrets ({c.secrets.length})</Tabs.Tab>
          <Tabs.Tab value="environments">Environments ({environments.length})</Tabs.Tab>
          <Tabs.Tab value="about">Description</Tabs.Tab>
          <Tabs.Tab value="history">History{c.latestVersion ? ` (v${c.latestVersion})` : ''}</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="steps" pt="md">
          <Grid gutter="md">
            <Grid.Col span={{ base: 12, md: 5, xl: 4 }}>
              <Stack gap="sm">
                <StepList
                  steps={draft.steps}
                  selected={selected}
                  onSelect={setSelected}
                  onMove={(from, to) => setSteps(move(draft.steps, from, to))}
                  onDelete={(i) => {
                    const s = draft.steps[i];
                    if (!window.confirm(`Delete step ${s.name}?`)) return;
                    const steps = draft.steps.filter((_, j) => j !== i);
                    setSteps(steps);
                    if (selected === s.key) setSelected(steps[Math.max(0, i - 1)]?.key ?? null);
                  }}
                  statuses={statuses}
                  problems={problems}
                />
                <Button
                  variant="light"
                  leftSection={<IconPlus size={16} />}
                  onClick={() => {
                    const s = newStep(draft.steps, 'base' in variables ? '@<<vars.base>>/' : '');
                    setSteps([...draft.steps, s]);
                    setSelected(s.key);
                  }}
                >
                  Add step
                </Button>
              </Stack>
            </Grid.Col>
            <Grid.Col span={{ base: 12, md: 7, xl: 8 }}>
              <Paper withBorder p="md">
                {step ? (
                  <StepEditor
                    key={step.key}
                    step={step}
                    onChange={(s) => setSteps(draft.steps.map((x) => (x.key === s.key ? s : x)))}
                    onRename={(from, to) =>
                      setSteps(
                        draft.steps.map((x) => {
                          if (x.key === step.key) return { ...x, name: to };
                          // Later steps' references follow the renamed step.
                          const r = (t: string) => renameReferences(t, from, to);
                          return { ...x, url: r(x.url), body: r(x.body), headers: x.headers.map((h) => ({ ...h, value: r(h.value) })), assertions: x.assertions.map((a) => ({ ...a, target: r(a.target) })) };
                        }),
                      )
                    }
                    context={contextFor(index)}
                    errors={under(errs, `steps[${index}]`)}
                    duplicateName={names.filter((n) => n === step.name).length > 1}
                  />
                ) : (
                  <Text c="dimmed">Select a step, or add one.</Text>
                )}
              </Paper>
            </Grid.Col>
          </Grid>
        </Tabs.Panel>
        <Tabs.Panel value="variables" pt="md">
          <Stack gap="xs" maw={800}>
            <Text size="sm" c="dimmed">
              Use a variable as <code>@&lt;&lt;vars.NAME&gt;&gt;</code>, e.g. a base URL shared by every step.
            </Text>
            <KeyValueEditor testid="variables" rows={draft.variables} onChange={(variables) => setDraft({ ...draft, variables })} context={null} nameLabel="Variable" valueLabel="Value" addLabel="Add variable" errors={under(errs, 'variables')} newKey={newKey} />
          </Stack>
        </Tabs.Panel>
        <Tabs.Panel value="secrets" pt="md">
          <Box maw={800}>
            <SecretsPanel collectionId={id} secrets={c.secrets} />
          </Box>
        </Tabs.Panel>
        <Tabs.Panel value="history" pt="md">
          {tab === 'history' && (
            <HistoryPanel
              objectType="COLLECTION"
              objectId={id}
              initialVersion={linkedVersion}
              beforeRestore={() => !dirty || window.confirm('Restoring replaces your unsaved changes. Restore anyway?')}
              onRestored={() => void reloadFromServer()}
            />
          )}
        </Tabs.Panel>
        <Tabs.Panel value="environments" pt="md">
          <Box maw={900}>
            <EnvironmentsPanel collectionId={id} environments={c.environments} onChange={() => refetch({ requestPolicy: 'network-only' })} />
          </Box>
        </Tabs.Panel>
        <Tabs.Panel value="about" pt="md">
          <Textarea label="Description" value={draft.description} onChange={(e) => setDraft({ ...draft, description: e.currentTarget.value })} autosize minRows={3} maw={800} error={errs.description} />
        </Tabs.Panel>
      </Tabs>

      {liveRun && (
        <Paper withBorder p="md" data-testid="live-run" data-status={liveRun.status.toLowerCase()}>
          <Group justify="space-between" mb="sm">
            <Group gap="sm">
              <Title order={4}>Run</Title>
              <StatusBadge status={liveRun.status} size="md" />
              {isFinal(liveRun.status) && <Text size="sm" c="dimmed">{formatMs(liveRun.durationMs)}</Text>}
              {liveRun.error && (
                <Text size="sm" c="red">
                  {liveRun.error}
                </Text>
              )}
            </Group>
            <Anchor component={Link} to={`/runs/${liveRun.id}`}>
              Open the run
            </Anchor>
          </Group>
          {live.error && (
            <Text size="sm" c="orange" mb="xs">
              Live updates stopped ({live.error}); open the run to see its result.
            </Text>
          )}
          <RunSteps steps={liveRun.steps} pending={isFinal(liveRun.status) ? [] : draft.steps.map((s) => s.name).filter((n) => !liveRun.steps.some((x) => x.name === n))} />
        </Paper>
      )}
    </Stack>
  );
}
