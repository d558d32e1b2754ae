import { QuietBadge } from '../maintenance/badges';
import { Alert, Anchor, Button, Group, Paper, SimpleGrid, Stack, Text } from '@mantine/core';
import { IconArrowsDiff, IconPlayerStop } from '@tabler/icons-react';
import { Link, useParams } from 'react-router';
import { useMutation, useQuery } from 'urql';
import { ErrorState, Loading, PageHeader } from '../../components/States';
import { StatusBadge } from '../../components/StatusBadge';
import { errorMessage } from '../../lib/errors';
import { dateTime, formatMs } from '../../lib/format';
import { CancelRunDocument, RunDocument } from './api';
import type { RunQuery } from '../../gql/graphql';
import { RunSteps } from '../../components/RunSteps';
import { isFinal, useLiveRun } from '../../lib/useLiveRun';

function Fact({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <Stack gap={0}>
      <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
        {label}
      </Text>
      <Text size="sm" component="div">
        {children}
      </Text>
    </Stack>
  );
}

/** One run: its facts, then each step's request, response, timing and assertions; live while it runs. */
export function RunPage() {
  const { id = '' } = useParams();
  const [res, refetch] = useQuery({ query: RunDocument, variables: { id } });
  const [, cancel] = useMutation(CancelRunDocument);
  const { run } = useLiveRun(id, res.data?.run);
  if (res.error && !res.data) return <ErrorState message={errorMessage(res.error) ?? ''} onRetry={() => refetch({ requestPolicy: 'network-only' })} />;
  if (res.fetching && !res.data) return <Loading />;
  if (!run) return <ErrorState message={`There is no run ${id}.`} />;
  const failed = run.status === 'FAILED' || run.status === 'ERRORED';
  const version = res.data?.run?.collectionVersion;
  const extra = res.data?.run;
  return (
    <Stack>
      <PageHeader
        title={
          <Group gap="sm">
            <span>Run #{run.id}</span>
            <StatusBadge status={run.status} size="md" />
            <QuietBadge reason={run.quiet} />
          </Group>
        }
        description={
          run.collection ? (
            <Anchor component={Link} to={`/collections/${run.collection.id}`}>
              {run.collectionName}
            </Anchor>
          ) : (
            `${run.collectionName} (deleted)`
          )
        }
      >
        {!isFinal(run.status) && (
          <Button variant="default" color="red" leftSection={<IconPlayerStop size={16} />} onClick={() => void cancel({ id: run.id })}>
            Cancel
          </Button>
        )}
        {failed && run.collection && (
          <Button component={Link} to={`/runs/${run.id}/compare`} leftSection={<IconArrowsDiff size={16} />}>
            Compare with last passing run
          </Button>
        )}
      </PageHeader>
      <Paper withBorder p="md">
        <SimpleGrid cols={{ base: 2, sm: 4, md: 7 }}>
          <Fact label="Trigger">{run.trigger.toLowerCase()}</Fact>
          <Fact label="Monitor">{run.monitor ? <Anchor component={Link} to={`/monitors/${run.monitor.id}`}>{run.monitor.name}</Anchor> : '—'}</Fact>
          <Fact label="Location">{run.location}</Fact>
          <Fact label="Queued">{dateTime(run.queuedAt)}</Fact>
          <Fact label="Duration">{isFinal(run.status) ? formatMs(run.durationMs) : 'running…'}</Fact>
          <Fact label="Attempt">{run.attempt}</Fact>
          <Fact label="Collection version">
            {version && run.collection ? (
              <Anchor component={Link} to={`/collections/${run.collection.id}?tab=history&version=${version}`} data-testid="run-collection-version">
                v{version}
              </Anchor>
            ) : (
              '—'
            )}
          </Fact>
          <Fact label="Environment">
            <span data-testid="run-environment">{extra?.environment ?? '—'}</span>
          </Fact>
        </SimpleGrid>
      </Paper>
      {extra && <RetryChain id={run.id} run={extra} />}
      {run.error && (
        <Alert color={run.status === 'MISSED' || run.status === 'CANCELLED' ? 'gray' : 'red'} title="Why">
          {run.error}
        </Alert>
      )}
      {run.steps.length === 0 ? <Text c="dimmed">{isFinal(run.status) ? 'No step ran.' : 'Waiting for the first step…'}</Text> : <RunSteps steps={run.steps} />}
    </Stack>
  );
}

type RunExtra = NonNullable<RunQuery['run']>;

/** Where a run stands in its monitor's retry before alerting chain, linked. */
function RetryChain({ id, run }: { id: string; run: RunExtra }) {
  if (run.retryAttempt === 0 && !run.retried) return null;
  const first = run.retryOf?.id ?? id;
  return (
    <Alert color={run.retried ? 'gray' : 'blue'} title={run.retryAttempt > 0 ? `Retry ${run.retryAttempt} of ${run.retryLimit} of run #${first}` : 'Retried before alerting'} data-testid="retry-chain">
      <Stack gap={4}>
        {run.retried && <Text size="sm">A retry superseded this run: it does not count for alerts or the dashboard.</Text>}
        <Group gap="xs">
          {run.retryChain.map((r) => (
            <Anchor key={r.id} component={Link} to={`/runs/${r.id}`} size="sm" fw={r.id === id ? 700 : 400}>
              #{r.id} {r.retryAttempt === 0 ? 'first run' : `retry ${r.retryAttempt}`} ({r.status.toLowerCase()})
            </Anchor>
          ))}
        </Group>
      </Stack>
    </Alert>
  );
}
