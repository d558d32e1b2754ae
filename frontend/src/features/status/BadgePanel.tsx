import { Button, Code, CopyButton, Group, Paper, Stack, Switch, Text, Title } from '@mantine/core';
import { useMutation, useQuery } from 'urql';
import { FormErrors } from '../../components/FormErrors';
import { useSession } from '../../lib/session';
import { MonitorBadgeDocument, SetMonitorBadgeDocument } from './api';
import { badgeMarkdown } from './model';

const SNIPPETS: Array<{ kind: 'status' | 'uptime' | 'latency'; window?: string; label: string }> = [
  { kind: 'status', label: 'Status' },
  { kind: 'uptime', window: '30d', label: 'Uptime, 30 days' },
  { kind: 'latency', window: '24h', label: 'Median latency, 24 hours' },
];

/** The monitor's public README badge: off by default; an admin turns it on and copies the Markdown. */
export function BadgePanel({ monitorId }: { monitorId: string }) {
  const { user } = useSession();
  const [res] = useQuery({ query: MonitorBadgeDocument, variables: { id: monitorId } });
  const [setResult, setBadge] = useMutation(SetMonitorBadgeDocument);
  const badge = res.data?.monitor?.badge ?? null;
  const admin = user?.isAdmin ?? false;
  const origin = window.location.origin;
  return (
    <Paper withBorder p="md" data-testid="badge-panel">
      <Stack gap="sm">
        <Group justify="space-between">
          <Title order={4}>Public badge</Title>
          <Switch
            label={badge ? 'On' : 'Off'}
            checked={badge !== null}
            disabled={!admin || res.fetching || setResult.fetching}
            onChange={(e) => void setBadge({ id: monitorId, enabled: e.currentTarget.checked })}
            aria-label="Public badge"
          />
        </Group>
        <Text size="sm" c="dimmed">
          An SVG anyone can load, for a README: this monitor’s state, uptime or median latency — never its name, steps or URLs. Its address holds a random key; turning the badge off makes old addresses answer “not found”.
          {!admin && ' Only an admin can turn it on or off.'}
        </Text>
        <FormErrors error={setResult.error} placed={() => false} />
        {badge &&
          SNIPPETS.map((s) => {
            const md = badgeMarkdown(origin, badge.path, s.kind, s.window);
            const src = md.slice(md.indexOf('(') + 1, -1);
            return (
              <Stack key={s.kind} gap={4}>
                <Group gap="sm">
                  <Text size="sm" fw={500}>
                    {s.label}
                  </Text>
                  <img src={src} alt={`${s.label} badge`} height={20} />
                </Group>
                <Group gap="xs" wrap="nowrap">
                  <Code style={{ wordBreak: 'break-all', flex: 1 }} data-testid={`badge-markdown-${s.kind}`}>
                    {md}
                  </Code>
                  <CopyButton value={md}>
                    {({ copied, copy }) => (
                      <Button size="xs" variant="light" onClick={copy}>
                        {copied ? 'Copied' : 'Copy Markdown'}
                      </Button>
                    )}
                  </CopyButton>
                </Group>
              </Stack>
            );
          })}
      </Stack>
    </Paper>
  );
}
