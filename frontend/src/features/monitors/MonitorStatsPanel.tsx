import { BarChart, LineChart } from '@mantine/charts';
import { Alert, Group, Loader, Paper, SegmentedControl, SimpleGrid, Stack, Text, Title, Tooltip } from '@mantine/core';
import { useState } from 'react';
import { useQuery } from 'urql';
import type { StatsWindow } from '../../gql/graphql';
import { errorMessage } from '../../lib/errors';
import { formatMs, formatPercent } from '../../lib/format';
import { MonitorWindowStatsDocument } from './statsApi';
import { budgetLabel, seriesRows, stepPhaseRows } from './stats';
import { bandAreas, useMaintenanceBands } from '../maintenance/MaintenanceBands';

const WINDOWS: { value: StatsWindow; label: string }[] = [
  { value: 'HOUR', label: '1 h' },
  { value: 'DAY', label: '24 h' },
  { value: 'WEEK', label: '7 d' },
  { value: 'MONTH', label: '30 d' },
  { value: 'QUARTER', label: '90 d' },
];

function Figure({ label, value, hint }: { label: string; value: string; hint?: string }) {
  return (
    <Tooltip label={hint} disabled={!hint}>
      <Stack gap={0}>
        <Text size="xs" c="dimmed">
          {label}
        </Text>
        <Text fw={600}>{value}</Text>
      </Stack>
    </Tooltip>
  );
}

/** A monitor's uptime, Apdex, error budget and latency over a chosen window, with charts. */
export function MonitorStatsPanel({ monitorId }: { monitorId: string }) {
  const [window, setWindow] = useState<StatsWindow>('DAY');
  const [res] = useQuery({ query: MonitorWindowStatsDocument, variables: { id: monitorId, window } });
  const st = res.data?.monitorStats;
  const maintenance = bandAreas(useMaintenanceBands(monitorId, st?.series.points ?? [], st?.series.stepSeconds ?? 0));
  return (
    <Paper withBorder p="md">
      <Stack gap="sm">
        <Group justify="space-between">
          <Title order={4}>Stats</Title>
          <SegmentedControl size="xs" value={window} onChange={(v) => setWindow(v as StatsWindow)} data={WINDOWS} aria-label="Stats window" />
        </Group>
        {res.error && <Alert color="red">{errorMessage(res.error)}</Alert>}
        {res.fetching && !st && <Loader size="sm" />}
        {st && (
          <>
            <SimpleGrid cols={{ base: 2, sm: 4 }}>
              <Figure label="Uptime" value={formatPercent(st.uptime)} hint={`${st.passed} passed, ${st.failed} failed, ${st.errored} errored, ${st.missed} missed`} />
              <Figure label={`Apdex (T ${formatMs(st.apdexThresholdMs)})`} value={st.apdex === null ? '—' : st.apdex.toFixed(2)} />
              <Figure label={`Error budget (SLO ${(st.sloTarget * 100).toFixed(2)}%)`} value={budgetLabel(st.errorBudgetLeft)} />
              <Figure
                label="p50 / p95 / p99"
                value={`${formatMs(st.p50Ms)} / ${formatMs(st.p95Ms)} / ${formatMs(st.p99Ms)}`}
                hint={st.percentilesExact ? 'exact' : 'from hourly rollups: within 5%'}
              />
            </SimpleGrid>
            {st.series.points.length > 0 && (
              <SimpleGrid cols={{ base: 1, md: 2 }}>
                <Stack gap={4}>
                  <Text size="sm">Uptime %</Text>
                  <BarChart h={160} data={seriesRows(st.series.points)} dataKey="at" series={[{ name: 'uptime', color: 'teal' }]} yAxisProps={{ domain: [0, 100] }} xAxisProps={{ hide: true }}>
                    {maintenance}
                  </BarChart>
                </Stack>
                <Stack gap={4}>
                  <Text size="sm">Apdex</Text>
                  <LineChart h={160} data={seriesRows(st.series.points)} dataKey="at" series={[{ name: 'apdex', color: 'blue' }]} yAxisProps={{ domain: [0, 1] }} xAxisProps={{ hide: true }} connectNulls={false}>
                    {maintenance}
                  </LineChart>
                </Stack>
              </SimpleGrid>
            )}
            {st.steps.length > 0 && (
              <Stack gap={4}>
                <Text size="sm">Mean latency per step by phase (ms)</Text>
                <BarChart
                  h={Math.max(120, st.steps.length * 32)}
                  orientation="vertical"
                  type="stacked"
                  data={stepPhaseRows(st.steps)}
                  dataKey="step"
                  series={[
                    { name: 'dns', color: 'grape' },
                    { name: 'connect', color: 'orange' },
                    { name: 'tls', color: 'yellow' },
                    { name: 'firstByte', color: 'blue' },
                  ]}
                />
              </Stack>
            )}
          </>
        )}
      </Stack>
    </Paper>
  );
}
