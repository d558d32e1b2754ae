import { Sparkline as MantineSparkline } from '@mantine/charts';
import { Text, Tooltip } from '@mantine/core';
import type { MonitorCardFragment } from '../gql/graphql';
import { formatMs } from '../lib/format';

/** Recent run durations as a small line; red when the latest run did not pass. */
export function LatencySparkline({ points, w = 140 }: { points: MonitorCardFragment['stats']['latency']; w?: number }) {
  if (points.length < 2) {
    return (
      <Text size="xs" c="dimmed" w={w}>
        not enough runs
      </Text>
    );
  }
  const last = points[points.length - 1];
  const ok = last.status === 'PASSED';
  return (
    <Tooltip label={`last ${points.length} runs · latest ${formatMs(last.durationMs)}`}>
      <div aria-label={`Latency of the last ${points.length} runs`} role="img">
        <MantineSparkline w={w} h={32} data={points.map((p) => p.durationMs)} curveType="monotone" color={ok ? 'blue' : 'red'} fillOpacity={0.3} strokeWidth={1.5} />
      </div>
    </Tooltip>
  );
}
