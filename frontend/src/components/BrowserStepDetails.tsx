// What a browser step saw: the action log with each action's time and outcome,
// the screenshots, the page's console errors and failed requests, the final URL
// and the page timings. Screenshots are loaded apart (as data: URLs) so the run
// itself stays small.
import { Badge, Group, Image, SimpleGrid, Stack, Table, Text } from '@mantine/core';
import { useQuery } from 'urql';
import { graphql } from '../gql';
import type { BrowserStepFieldsFragment as BrowserStepFields } from '../gql/graphql';
import { formatMs } from '../lib/format';

export const BrowserStepFieldsDocument = graphql(`
  fragment BrowserStepFields on StepResult {
    browser {
      finalUrl
      actions {
        index
        action
        status
        error
        durationMs
      }
      extracted {
        name
        value
      }
      consoleErrors
      failedRequests {
        method
        url
        status
        error
        blocked
      }
      timings {
        domContentLoadedMs
        loadMs
        lcpMs
      }
      screenshots {
        runId
        stepPosition
        position
        name
        action
        auto
        size
      }
    }
  }
`);

export const RunScreenshotsDocument = graphql(`
  query RunScreenshots($id: ID!) {
    run(id: $id) {
      id
      steps {
        position
        browser {
          screenshots {
            position
            dataUrl
          }
        }
      }
    }
  }
`);

type Browser = NonNullable<BrowserStepFields['browser']>;
type Shot = Browser['screenshots'][number];

const ACTION_COLORS: Record<string, string> = { OK: 'green', FAILED: 'red', SKIPPED: 'gray' };

function ScreenshotImage({ shot }: { shot: Shot }) {
  const [res] = useQuery({ query: RunScreenshotsDocument, variables: { id: shot.runId } });
  const step = res.data?.run?.steps.find((s) => s.position === shot.stepPosition);
  const url = step?.browser?.screenshots.find((s) => s.position === shot.position)?.dataUrl;
  const caption = `${shot.name}${shot.auto ? ' (taken when the step failed)' : ''} · ${Math.round(shot.size / 1024)} KiB`;
  return (
    <Stack gap={4}>
      {url ? <Image src={url} alt={`screenshot ${shot.name}`} data-testid="browser-screenshot" radius="sm" /> : <Text size="xs" c="dimmed">{res.error ? 'The screenshot could not be loaded.' : 'Loading…'}</Text>}
      <Text size="xs" c="dimmed">
        {caption}
      </Text>
    </Stack>
  );
}

/** A titled list of monospace lines; nothing when there are none. */
function TitledLines({ title, testId, lines, color, breakAll = false }: { title: string; testId: string; lines: ReadonlyArray<string>; color?: string; breakAll?: boolean }) {
  if (lines.length === 0) return null;
  return (
    <Stack gap={2} data-testid={testId}>
      <Text size="xs" fw={600}>
        {title}
      </Text>
      {lines.map((l, i) => (
        <Text key={i} size="xs" c={color} className="mono" style={breakAll ? { wordBreak: 'break-all' } : undefined}>
          {l}
        </Text>
      ))}
    </Stack>
  );
}

/** The browser tab of a step result; nothing for an HTTP step. */
export function BrowserStepDetails({ browser }: { browser: BrowserStepFields['browser'] }) {
  if (!browser) return null;
  const t = browser.timings;
  return (
    <Stack gap="sm" data-testid="browser-details">
      <Text size="sm" className="mono" style={{ wordBreak: 'break-all' }}>
        ended at <b>{browser.finalUrl || '—'}</b>
      </Text>
      <Group gap="lg">
        <Text size="xs">DOMContentLoaded {t.domContentLoadedMs ? formatMs(t.domContentLoadedMs) : '—'}</Text>
        <Text size="xs">load {t.loadMs ? formatMs(t.loadMs) : '—'}</Text>
        <Text size="xs">LCP {t.lcpMs ? formatMs(t.lcpMs) : '—'}</Text>
      </Group>
      <Table verticalSpacing={2} fz="xs" data-testid="browser-actions">
        <Table.Tbody>
          {browser.actions.map((a, i) => (
            <Table.Tr key={i}>
              <Table.Td w={28} c="dimmed">
                {a.index < 0 ? '' : a.index + 1}
              </Table.Td>
              <Table.Td className="mono" style={{ wordBreak: 'break-all' }}>
                {a.action}
                {a.error && (
                  <Text size="xs" c="red">
                    {a.error}
                  </Text>
                )}
              </Table.Td>
              <Table.Td w={80}>
                <Badge size="xs" variant="light" color={ACTION_COLORS[a.status] ?? 'gray'}>
                  {a.status.toLowerCase()}
                </Badge>
              </Table.Td>
              <Table.Td w={70} ta="right" className="mono">
                {a.status === 'SKIPPED' ? '' : formatMs(a.durationMs)}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {browser.extracted.length > 0 && (
        <Text size="xs">
          extracted:{' '}
          {browser.extracted.map((e) => (
            <span key={e.name} className="mono">
              {e.name}={e.value}{' '}
            </span>
          ))}
        </Text>
      )}
      <TitledLines title="Console errors" testId="browser-console-errors" lines={browser.consoleErrors} color="red" />
      <TitledLines
        title="Failed requests"
        testId="browser-failed-requests"
        lines={browser.failedRequests.map((f) => `${f.method} ${f.url} ${f.status ? `→ ${f.status}` : ''} ${f.blocked ? '(refused by the dial guard)' : ''} ${f.error}`)}
        breakAll
      />
      {browser.screenshots.length > 0 && (
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          {browser.screenshots.map((s) => (
            <ScreenshotImage key={s.position} shot={s} />
          ))}
        </SimpleGrid>
      )}
    </Stack>
  );
}
