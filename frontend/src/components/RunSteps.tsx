// A run's steps: a status line per step that opens to the request as sent, the
// response (status, headers, pretty body), the timing phases as a waterfall and
// each assertion with expected vs actual.
import { Accordion, Badge, Box, Code, Group, ScrollArea, Stack, Table, Tabs, Text, Tooltip } from '@mantine/core';
import { IconCheck, IconX } from '@tabler/icons-react';
import { getFragmentData } from '../gql';
import type { RunFieldsFragment } from '../gql/graphql';
import { StatusBadge, statusColor } from './StatusBadge';
import { formatMs, prettyBody } from '../lib/format';
import { COMPARISON_LABELS, isComparison } from '../lib/assertions';
import { BrowserStepDetails, BrowserStepFieldsDocument } from './BrowserStepDetails';

type StepResult = RunFieldsFragment['steps'][number];
type Timings = StepResult['timings'];

const PHASES: Array<{ key: keyof Omit<Timings, 'totalMs'>; label: string; color: string }> = [
  { key: 'dnsMs', label: 'DNS', color: 'var(--mantine-color-grape-5)' },
  { key: 'connectMs', label: 'Connect', color: 'var(--mantine-color-orange-5)' },
  { key: 'tlsMs', label: 'TLS', color: 'var(--mantine-color-teal-5)' },
  { key: 'firstByteMs', label: 'Waiting (first byte)', color: 'var(--mantine-color-blue-5)' },
];

/** The timing phases laid end to end, each bar as wide as its share of the total. */
export function Waterfall({ t }: { t: Timings }) {
  const total = Math.max(t.totalMs, 0.001);
  const download = Math.max(0, t.totalMs - t.dnsMs - t.connectMs - t.tlsMs - t.firstByteMs);
  const rows = [...PHASES.map((p) => ({ label: p.label, ms: t[p.key], color: p.color })), { label: 'Download', ms: download, color: 'var(--mantine-color-green-5)' }];
  let offset = 0;
  return (
    <Stack gap={4} aria-label="Timing waterfall" data-testid="waterfall">
      {rows.map((r) => {
        const left = (offset / total) * 100;
        const width = Math.max((r.ms / total) * 100, r.ms > 0 ? 0.5 : 0);
        offset += r.ms;
        return (
          <Group key={r.label} gap="xs" wrap="nowrap">
            <Text size="xs" w={130} c="dimmed">
              {r.label}
            </Text>
            <Box style={{ flex: 1, position: 'relative', height: 10, background: 'var(--mantine-color-default-border)', borderRadius: 2 }}>
              <Tooltip label={`${r.label}: ${r.ms.toFixed(1)} ms`}>
                <Box style={{ position: 'absolute', left: `${left}%`, width: `${width}%`, top: 0, bottom: 0, background: r.color, borderRadius: 2 }} />
              </Tooltip>
            </Box>
            <Text size="xs" w={70} ta="right" className="mono">
              {r.ms.toFixed(1)} ms
            </Text>
          </Group>
        );
      })}
      <Group gap="xs" wrap="nowrap">
        <Text size="xs" w={130} fw={600}>
          Total
        </Text>
        <Box style={{ flex: 1 }} />
        <Text size="xs" w={70} ta="right" fw={600} className="mono">
          {t.totalMs.toFixed(1)} ms
        </Text>
      </Group>
    </Stack>
  );
}

function HeadersTable({ headers }: { headers: ReadonlyArray<{ name: string; value: string }> }) {
  if (headers.length === 0) return <Text size="sm" c="dimmed">No headers</Text>;
  return (
    <Table withRowBorders={false} verticalSpacing={2} fz="xs">
      <Table.Tbody>
        {headers.map((h, i) => (
          <Table.Tr key={`${h.name}-${i}`}>
            <Table.Td className="mono" fw={500} style={{ whiteSpace: 'nowrap', verticalAlign: 'top' }}>
              {h.name}
            </Table.Td>
            <Table.Td className="mono" style={{ wordBreak: 'break-all' }}>
              {h.value}
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

function Body({ text, truncated }: { text: string; truncated?: boolean }) {
  const p = prettyBody(text);
  if (p.text === '') return <Text size="sm" c="dimmed">Empty body</Text>;
  return (
    <>
      <ScrollArea.Autosize mah={360}>
        <Code block data-testid="body">
          {p.text}
        </Code>
      </ScrollArea.Autosize>
      {truncated && (
        <Text size="xs" c="dimmed" mt={4}>
          The stored body was cut at 64 KiB.
        </Text>
      )}
    </>
  );
}

export function comparisonLabel(c: string): string {
  const l = c.toLowerCase();
  return isComparison(l) ? COMPARISON_LABELS[l] : l;
}

/** Assertion results: what was checked, expected, actual, and why it failed. */
export function AssertionResults({ assertions }: { assertions: StepResult['assertions'] }) {
  if (assertions.length === 0) return <Text size="sm" c="dimmed">This step has no assertions.</Text>;
  return (
    <Table.ScrollContainer minWidth={520}>
      <Table verticalSpacing={4} fz="sm" data-testid="assertions">
        <Table.Thead>
          <Table.Tr>
            <Table.Th w={28} />
            <Table.Th>Check</Table.Th>
            <Table.Th>Expected</Table.Th>
            <Table.Th>Actual</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {assertions.map((a, i) => (
            <Table.Tr key={i} data-passed={a.passed} bg={a.passed ? undefined : 'var(--mantine-color-red-light)'}>
              <Table.Td>{a.passed ? <IconCheck size={16} color="var(--mantine-color-green-6)" aria-label="passed" /> : <IconX size={16} color="var(--mantine-color-red-6)" aria-label="failed" />}</Table.Td>
              <Table.Td>
                <Text size="sm">
                  {a.source.toLowerCase()}
                  {a.property ? <span className="mono"> {a.property}</span> : null} {comparisonLabel(a.comparison)}
                </Text>
                {!a.passed && a.reason && (
                  <Text size="xs" c="red">
                    {a.reason}
                  </Text>
                )}
              </Table.Td>
              <Table.Td className="mono" data-testid="expected" style={{ wordBreak: 'break-all' }}>
                {a.expected}
              </Table.Td>
              <Table.Td className="mono" data-testid="actual" style={{ wordBreak: 'break-all' }}>
                {a.actual}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

export function StepDetails({ step }: { step: StepResult }) {
  const failedAssertions = step.assertions.filter((a) => !a.passed).length;
  const { browser } = getFragmentData(BrowserStepFieldsDocument, step);
  return (
    <Stack gap="sm">
      {step.error && (
        <Text size="sm" c={step.status === 'SKIPPED' || step.status === 'RUNNING' ? 'dimmed' : 'red'} role={step.status === 'SKIPPED' || step.status === 'RUNNING' ? undefined : 'alert'}>
          {step.errorCode ? <Code mr={6}>{step.errorCode}</Code> : null}
          {step.error}
        </Text>
      )}
      <Tabs defaultValue={browser ? 'browser' : failedAssertions > 0 || step.assertions.length > 0 ? 'assertions' : 'response'} keepMounted={false}>
        <Tabs.List>
          {browser && <Tabs.Tab value="browser">Browser</Tabs.Tab>}
          <Tabs.Tab value="assertions">
            Assertions {step.assertions.length > 0 && <Badge size="xs" color={failedAssertions ? 'red' : 'green'} ml={4}>{failedAssertions ? `${failedAssertions} failed` : step.assertions.length}</Badge>}
          </Tabs.Tab>
          <Tabs.Tab value="request">Request</Tabs.Tab>
          <Tabs.Tab value="response">Response</Tabs.Tab>
          <Tabs.Tab value="timing">Timing</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="browser" pt="sm">
          <BrowserStepDetails browser={browser} />
        </Tabs.Panel>
        <Tabs.Panel value="assertions" pt="sm">
          <AssertionResults assertions={step.assertions} />
        </Tabs.Panel>
        <Tabs.Panel value="request" pt="sm">
          <Stack gap="xs">
            <Text className="mono" size="sm" style={{ wordBreak: 'break-all' }}>
              <b>{step.request.method}</b> {step.request.url}
            </Text>
            <HeadersTable headers={step.request.headers} />
            {step.request.body && <Body text={step.request.body} />}
            {step.traceId && (
              <Text size="xs" c="dimmed">
                trace id <span className="mono">{step.traceId}</span>
                {step.tries > 1 ? ` · sent ${step.tries} times` : ''}
              </Text>
            )}
          </Stack>
        </Tabs.Panel>
        <Tabs.Panel value="response" pt="sm">
          {step.response ? (
            <Stack gap="xs">
              <Group gap="xs">
                <Badge color={step.response.status < 400 ? 'green' : 'red'} variant="light">
                  HTTP {step.response.status}
                </Badge>
                <Text size="xs" c="dimmed">
                  {step.response.size} bytes · {formatMs(step.timings.totalMs)}
                </Text>
              </Group>
              <HeadersTable headers={step.response.headers} />
              <Body text={step.response.body} truncated={step.response.bodyTruncated} />
            </Stack>
          ) : (
            <Text size="sm" c="dimmed">
              No response was received.
            </Text>
          )}
        </Tabs.Panel>
        <Tabs.Panel value="timing" pt="sm">
          <Waterfall t={step.timings} />
        </Tabs.Panel>
      </Tabs>
    </Stack>
  );
}

/** All the steps of a run, the failed ones opened. */
export function RunSteps({ steps, pending = [] }: { steps: RunFieldsFragment['steps']; pending?: string[] }) {
  const open = steps.filter((s) => s.status === 'FAILED' || s.status === 'ERRORED').map((s) => String(s.position));
  return (
    <Accordion multiple defaultValue={open} variant="separated" key={open.join(',')}>
      {steps.map((s) => (
        <Accordion.Item key={s.position} value={String(s.position)} data-testid={`step-result-${s.name}`} data-status={s.status.toLowerCase()}>
          <Accordion.Control>
            <Group justify="space-between" wrap="nowrap" pr="sm">
              <Group gap="sm" wrap="nowrap" style={{ minWidth: 0 }}>
                <Box w={10} h={10} style={{ borderRadius: 5, background: `var(--mantine-color-${statusColor(s.status)}-6)`, flexShrink: 0 }} />
                <Text fw={500} truncate>
                  {s.position + 1}. {s.name}
                </Text>
                <Text size="xs" c="dimmed" className="mono" truncate visibleFrom="sm" data-testid="step-request-line">
                  {s.request.method} {s.request.url}
                </Text>
              </Group>
              <Group gap="xs" wrap="nowrap">
                {(s.status === 'RUNNING' || s.tries > 1) && (
                  <Text size="xs" c={s.status === 'RUNNING' ? 'blue' : 'dimmed'} data-testid="step-attempt" title={s.status === 'RUNNING' ? s.error : undefined}>
                    {s.status === 'RUNNING' ? `attempt ${s.tries} · retrying` : `${s.tries} attempts`}
                  </Text>
                )}
                {s.response && (
                  <Text size="xs" c="dimmed" data-testid="step-http-status">
                    {s.response.status}
                  </Text>
                )}
                <Text size="xs" c="dimmed" w={60} ta="right">
                  {formatMs(s.timings.totalMs)}
                </Text>
                <StatusBadge status={s.status} />
              </Group>
            </Group>
          </Accordion.Control>
          <Accordion.Panel>
            <StepDetails step={s} />
          </Accordion.Panel>
        </Accordion.Item>
      ))}
      {pending.map((name) => (
        <Accordion.Item key={`pending-${name}`} value={`pending-${name}`} data-testid={`step-result-${name}`} data-status="pending">
          <Accordion.Control disabled>
            <Group justify="space-between" pr="sm">
              <Text c="dimmed">{name}</Text>
              <StatusBadge status="PENDING" />
            </Group>
          </Accordion.Control>
        </Accordion.Item>
      ))}
    </Accordion>
  );
}
