// A failed run beside the last passing run of the same collection: step by step,
// status, response status, latency, assertions and the response body, with the
// differences highlighted.
import { Anchor, Badge, Box, Grid, Group, Paper, ScrollArea, Stack, Table, Text, Title } from '@mantine/core';
import { Link, useParams, useSearchParams } from 'react-router';
import { useQuery } from 'urql';
import { EmptyState, ErrorState, Loading, PageHeader } from '../../components/States';
import { StatusBadge } from '../../components/StatusBadge';
import { RunFieldsDoc } from '../../components/runFields';
import { getFragmentData } from '../../gql';
import type { RunFieldsFragment } from '../../gql/graphql';
import { errorMessage } from '../../lib/errors';
import { dateTime, formatMs, prettyBody } from '../../lib/format';
import { LastPassingRunDocument, RunDocument } from './api';
import { diffLines, latencyDiffers } from './diff';
import { comparisonLabel } from '../../components/RunSteps';

type Step = RunFieldsFragment['steps'][number];

function Cell({ value, differs, testid }: { value: React.ReactNode; differs: boolean; testid?: string }) {
  return (
    <Table.Td className={differs ? 'diff-changed' : undefined} data-differs={differs || undefined} data-testid={testid}>
      {value}
    </Table.Td>
  );
}

function BodyDiff({ left, right }: { left: string; right: string }) {
  const rows = diffLines(prettyBody(left).text, prettyBody(right).text);
  if (rows.every((r) => r.kind === 'same')) return <Text size="sm" c="dimmed">Bodies are identical.</Text>;
  return (
    <ScrollArea.Autosize mah={420}>
      <Table fz="xs" withColumnBorders verticalSpacing={0} className="mono" data-testid="body-diff">
        <Table.Tbody>
          {rows.map((r, i) => (
            <Table.Tr key={i}>
              <Table.Td w={30} c="dimmed">{r.leftNo ?? ''}</Table.Td>
              <Table.Td className={r.kind === 'changed' || r.kind === 'removed' ? 'diff-removed' : undefined} style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-all', width: '47%' }}>
                {r.left ?? ''}
              </Table.Td>
              <Table.Td w={30} c="dimmed">{r.rightNo ?? ''}</Table.Td>
              <Table.Td className={r.kind === 'changed' || r.kind === 'added' ? 'diff-added' : undefined} style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-all', width: '47%' }}>
                {r.right ?? ''}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </ScrollArea.Autosize>
  );
}

function StepCompare({ name, failed, passed, otherLabel }: { name: string; failed?: Step; passed?: Step; otherLabel: string }) {
  const differs = (a: unknown, b: unknown) => a !== b;
  const assertionKeys = Array.from(new Set([...(failed?.assertions ?? []), ...(passed?.assertions ?? [])].map((a) => `${a.source}|${a.property}|${a.comparison}|${a.target}`)));
  const stepDiffers = failed?.status !== passed?.status;
  return (
    <Paper withBorder p="md" data-testid={`compare-step-${name}`}>
      <Group justify="space-between" mb="xs">
        <Title order={5} className="mono">
          {name}
        </Title>
        {stepDiffers && <Badge color="yellow">differs</Badge>}
      </Group>
      <Table.ScrollContainer minWidth={560}>
        <Table fz="sm" verticalSpacing={4}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th w="30%" />
              <Table.Th>This run</Table.Th>
              <Table.Th>{otherLabel}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            <Table.Tr>
              <Table.Td>Status</Table.Td>
              <Cell value={failed ? <StatusBadge status={failed.status} /> : '—'} differs={stepDiffers} />
              <Cell value={passed ? <StatusBadge status={passed.status} /> : '—'} differs={stepDiffers} />
            </Table.Tr>
            <Table.Tr>
              <Table.Td>Request</Table.Td>
              <Cell value={<Text size="xs" className="mono" style={{ wordBreak: 'break-all' }}>{failed ? `${failed.request.method} ${failed.request.url}` : '—'}</Text>} differs={differs(failed?.request.url, passed?.request.url)} />
              <Cell value={<Text size="xs" className="mono" style={{ wordBreak: 'break-all' }}>{passed ? `${passed.request.method} ${passed.request.url}` : '—'}</Text>} differs={differs(failed?.request.url, passed?.request.url)} />
            </Table.Tr>
            <Table.Tr>
              <Table.Td>Response status</Table.Td>
              <Cell value={failed?.response?.status ?? '—'} differs={differs(failed?.response?.status, passed?.response?.status)} />
              <Cell value={passed?.response?.status ?? '—'} differs={differs(failed?.response?.status, passed?.response?.status)} />
            </Table.Tr>
            <Table.Tr>
              <Table.Td>Latency</Table.Td>
              <Cell value={formatMs(failed?.timings.totalMs)} differs={latencyDiffers(failed?.timings.totalMs, passed?.timings.totalMs)} />
              <Cell value={formatMs(passed?.timings.totalMs)} differs={latencyDiffers(failed?.timings.totalMs, passed?.timings.totalMs)} />
            </Table.Tr>
            {(failed?.error || passed?.error) && (
              <Table.Tr>
                <Table.Td>Error</Table.Td>
                <Cell value={failed?.error || '—'} differs={differs(failed?.error, passed?.error)} />
                <Cell value={passed?.error || '—'} differs={differs(failed?.error, passed?.error)} />
              </Table.Tr>
            )}
            {assertionKeys.map((k) => {
              const [source, property, comparison, target] = k.split('|');
              const match = (a: Step['assertions'][number]) => a.source === source && a.property === property && a.comparison === comparison && a.target === target;
              const fa = failed?.assertions.find(match);
              const pa = passed?.assertions.find(match);
              const d = fa?.passed !== pa?.passed || fa?.actual !== pa?.actual;
              const show = (a?: Step['assertions'][number]) =>
                a ? (
                  <Text size="xs" className="mono" c={a.passed ? undefined : 'red'}>
                    {a.passed ? '✓' : '✗'} expected {a.expected} · actual {a.actual}
                  </Text>
                ) : (
                  '—'
                );
              return (
                <Table.Tr key={k}>
                  <Table.Td>
                    <Text size="xs">
                      {source.toLowerCase()} {property && <span className="mono">{property}</span>} {comparisonLabel(comparison)}
                    </Text>
                  </Table.Td>
                  <Cell value={show(fa)} differs={d} />
                  <Cell value={show(pa)} differs={d} />
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {(failed?.response || passed?.response) && (
        <Box mt="sm">
          <Text size="xs" fw={600} mb={4}>
            Response body (left: this run, right: {otherLabel.toLowerCase()})
          </Text>
          <BodyDiff left={failed?.response?.body ?? ''} right={passed?.response?.body ?? ''} />
        </Box>
      )}
    </Paper>
  );
}

export function ComparePage() {
  const { id = '' } = useParams();
  const [res] = useQuery({ query: RunDocument, variables: { id } });
  const run = getFragmentData(RunFieldsDoc, res.data?.run);
  // ?with=ID compares with any run (picked in History); else with the last passing one.
  const [params] = useSearchParams();
  const withID = params.get('with');
  const [other] = useQuery({ query: RunDocument, variables: { id: withID ?? '' }, pause: !withID });
  const [prev] = useQuery({ query: LastPassingRunDocument, variables: { collectionId: run?.collection?.id ?? '', until: run?.queuedAt ?? null }, pause: !run?.collection || withID !== null });
  if (res.error && !res.data) return <ErrorState message={errorMessage(res.error) ?? ''} />;
  if ((res.fetching && !res.data) || (prev.fetching && !prev.data) || (other.fetching && !other.data)) return <Loading />;
  if (!run) return <ErrorState message={`There is no run ${id}.`} />;
  if (withID && !other.fetching && !other.data?.run) return <ErrorState message={`There is no run ${withID} to compare with.`} />;
  const passing = getFragmentData(RunFieldsDoc, withID ? other.data?.run : prev.data?.runs.edges[0]?.node);
  const otherLabel = withID ? `Run #${withID}` : 'Last passing run';
  const header = (
    <PageHeader title="Compare runs" description={run.collectionName}>
      <Anchor component={Link} to={`/runs/${run.id}`}>
        Back to run #{run.id}
      </Anchor>
    </PageHeader>
  );
  if (prev.error) return <>{header}<ErrorState message={errorMessage(prev.error) ?? ''} /></>;
  if (!passing) {
    return (
      <>
        {header}
        <EmptyState title="No passing run to compare with">This collection has not passed before run #{run.id}.</EmptyState>
      </>
    );
  }
  const names = Array.from(new Set([...run.steps.map((s) => s.name), ...passing.steps.map((s) => s.name)]));
  return (
    <Stack>
      {header}
      <Grid>
        <Grid.Col span={6}>
          <Paper withBorder p="sm">
            <Group gap="xs">
              <Text fw={600}>This run</Text>
              <Anchor component={Link} to={`/runs/${run.id}`}>#{run.id}</Anchor>
              <StatusBadge status={run.status} />
            </Group>
            <Text size="xs" c="dimmed">{dateTime(run.queuedAt)} · {run.location}</Text>
          </Paper>
        </Grid.Col>
        <Grid.Col span={6}>
          <Paper withBorder p="sm">
            <Group gap="xs">
              <Text fw={600}>{withID ? 'Compared with' : 'Last passing'}</Text>
              <Anchor component={Link} to={`/runs/${passing.id}`}>#{passing.id}</Anchor>
              <StatusBadge status={passing.status} />
            </Group>
            <Text size="xs" c="dimmed">{dateTime(passing.queuedAt)} · {passing.location}</Text>
          </Paper>
        </Grid.Col>
      </Grid>
      {names.map((n) => (
        <StepCompare key={n} name={n} otherLabel={otherLabel} failed={run.steps.find((s) => s.name === n)} passed={passing.steps.find((s) => s.name === n)} />
      ))}
    </Stack>
  );
}
