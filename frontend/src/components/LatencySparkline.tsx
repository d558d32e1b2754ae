import { Sparkline as MantineSparkline } from '@mantine/charts';
import { Text, Tooltip } from '@mantine/core';
import type { MonitorCardFragment } from '../gql/graphql';
import { formatMs } from '../lib/format';

/** Recent run durations (oldest first) as a small line; red when the latest run did not pass. */
export function LatencySparkline({
  durations,
  latest,
  w = 140,
}: {
  durations: number[];
  latest: MonitorCardFragment['stats']['latest'];
  w?: number;
}) {
  if (durations.length < 2 || !latest) {
    return (
      <Text size="xs" c="dimmed" w={w}>
        not enough runs
      </Text>
    );
  }
  const ok = latest.status === 'PASSED';
  return (
    <Tooltip label={`last ${durations.length} runs · latest ${formatMs(latest.durationMs)}`}>
      <div aria-label={`Latency of the last ${durations.length} runs`} role="img">
        <MantineSparkline w={w} h={32} data={durations} curveType="monotone" color={ok ? 'blue' : 'red'} fillOpacity={0.3} strokeWidth={1.5} />
      </div>
    </Tooltip>
  );
}
