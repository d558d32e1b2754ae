// On a monitor's page: its tags, whether it is in maintenance or muted, and
// "mute for 2 h" / "unmute".
import { Button, Card, Group, TagsInput, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconBell, IconBellOff } from '@tabler/icons-react';
import { useEffect, useState } from 'react';
import { Link } from 'react-router';
import { useMutation, useQuery } from 'urql';
import { errorMessage, fieldErrors } from '../../lib/errors';
import { MonitorMaintenanceDocument, MuteMonitorDocument, SetMonitorTagsDocument, UnmuteMonitorDocument } from './api';
import { MaintenanceBadge } from './badges';

const CTX = { additionalTypenames: ['Monitor', 'Mute'] };

export function MonitorMaintenancePanel({ id }: { id: string }) {
  const [res, refetch] = useQuery({ query: MonitorMaintenanceDocument, variables: { id }, context: CTX });
  const [, mute] = useMutation(MuteMonitorDocument);
  const [, unmute] = useMutation(UnmuteMonitorDocument);
  const [tagsResult, saveTags] = useMutation(SetMonitorTagsDocument);
  const m = res.data?.monitor;
  const [tags, setTags] = useState<string[]>([]);
  useEffect(() => setTags(m ? [...m.tags] : []), [m]);
  if (!m) return null;
  const act = async (p: Promise<{ error?: Parameters<typeof errorMessage>[0] }>, ok: string) => {
    const r = await p;
    if (r.error) notifications.show({ color: 'red', message: errorMessage(r.error) });
    else notifications.show({ color: 'green', message: ok });
    refetch({ requestPolicy: 'network-only' });
  };
  const tagErr = Object.values(fieldErrors(tagsResult.error))[0];
  return (
    <Card withBorder padding="sm" data-testid="monitor-maintenance">
      <Group justify="space-between" align="flex-end" wrap="wrap">
        <TagsInput
          label="Tags"
          description="lower-case, e.g. prod, team-payments"
          value={tags}
          onChange={setTags}
          onBlur={() => {
            if (tags.join(',') !== m.tags.join(',')) void act(saveTags({ id, tags }, CTX), 'Tags saved');
          }}
          error={tagErr}
          w={360}
          clearable
        />
        <Group gap="xs">
          <MaintenanceBadge m={m.maintenance} />
          {m.maintenance?.mutedUntil ? (
            <Button size="xs" variant="default" leftSection={<IconBell size={14} />} onClick={() => void act(unmute({ id }, CTX), `${m.name} unmuted`)}>
              Unmute
            </Button>
          ) : (
            <Button size="xs" variant="default" leftSection={<IconBellOff size={14} />} onClick={() => void act(mute({ id, minutes: 120 }, CTX), `${m.name} muted for 2 h`)}>
              Mute for 2 h
            </Button>
          )}
          <Text size="xs">
            <Link to="/maintenance">Maintenance windows</Link>
          </Text>
        </Group>
      </Group>
    </Card>
  );
}
