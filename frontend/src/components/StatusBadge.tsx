import { Badge, type MantineColor } from '@mantine/core';

const COLORS: Record<string, MantineColor> = {
  PASSED: 'green',
  PASSING: 'green',
  FAILED: 'red',
  FAILING: 'red',
  ERRORED: 'orange',
  RUNNING: 'blue',
  QUEUED: 'gray',
  SKIPPED: 'gray',
  MISSED: 'grape',
  CANCELLED: 'gray',
  PAUSED: 'yellow',
  NO_DATA: 'gray',
  PENDING: 'gray',
  OPEN: 'red',
  ACKNOWLEDGED: 'yellow',
  RESOLVED: 'green',
  DELIVERED: 'green',
  RETRYING: 'yellow',
};

/** A run, step, monitor, incident or delivery status as a coloured badge. */
export function StatusBadge({ status, size = 'sm' }: { status: string; size?: 'xs' | 'sm' | 'md' }) {
  const s = status.toUpperCase();
  return (
    <Badge color={COLORS[s] ?? 'gray'} variant={s === 'RUNNING' ? 'outline' : 'light'} size={size} data-status={s.toLowerCase()}>
      {s.replace('_', ' ').toLowerCase()}
    </Badge>
  );
}

export function statusColor(status: string): MantineColor {
  return COLORS[status.toUpperCase()] ?? 'gray';
}
