// Small marks for maintenance: a monitor in a window or muted, a run whose
// alerts were held, a monitor's tags.
import { Badge, Group, Tooltip } from '@mantine/core';
import { IconBellOff, IconTool } from '@tabler/icons-react';
import { dateTime } from '../../lib/format';

export interface MaintenanceLike {
  readonly window?: { readonly name: string; readonly mode: string } | null;
  readonly windowEndsAt?: string | null;
  readonly mutedUntil?: string | null;
}

/** "in maintenance" (until the window's opening ends) or "muted until …". */
export function MaintenanceBadge({ m }: { m: MaintenanceLike | null | undefined }) {
  if (!m) return null;
  if (m.window) {
    return (
      <Tooltip label={`${m.window.name} (${m.window.mode.toLowerCase()}) until ${dateTime(m.windowEndsAt ?? '')}`}>
        <Badge color="grape" variant="light" leftSection={<IconTool size={12} />} data-testid="in-maintenance">
          in maintenance
        </Badge>
      </Tooltip>
    );
  }
  if (m.mutedUntil) {
    return (
      <Badge color="gray" variant="light" leftSection={<IconBellOff size={12} />} data-testid="muted" tt="none">
        muted until {shortTime(m.mutedUntil)}
      </Badge>
    );
  }
  return null;
}

/** Marks a run whose notifications were held, saying by what. */
export function QuietBadge({ reason }: { reason: string | null | undefined }) {
  if (!reason) return null;
  return (
    <Tooltip label={`Alerts held: ${reason}`}>
      <Badge size="xs" color="grape" variant="outline" data-testid="quiet-run" tt="none">
        quiet
      </Badge>
    </Tooltip>
  );
}

export function TagBadges({ tags }: { tags: ReadonlyArray<string> | null | undefined }) {
  if (!tags || tags.length === 0) return null;
  return (
    <Group gap={4} data-testid="tags">
      {tags.map((t) => (
        <Badge key={t} size="xs" variant="dot" tt="none">
          {t}
        </Badge>
      ))}
    </Group>
  );
}

/** A time as HH:MM today, or the date and time otherwise. */
export function shortTime(iso: string): string {
  const d = new Date(iso);
  const sameDay = d.toDateString() === new Date().toDateString();
  return sameDay ? d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }) : dateTime(iso);
}
