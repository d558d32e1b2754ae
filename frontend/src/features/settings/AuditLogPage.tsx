// The audit log (admins only): every mutation, sign-in and token change,
// newest first, with filters, and its JSON lines export.
import { Anchor, Badge, Button, Code, Group, Paper, Select, Stack, Table, Text, TextInput } from '@mantine/core';
import { IconDownload } from '@tabler/icons-react';
import { useEffect, useState } from 'react';
import { useQuery } from 'urql';
import { EmptyState, ErrorState, Loading, PageHeader } from '../../components/States';
import { graphql } from '../../gql';
import type { AuditEntriesQuery, AuditOutcome } from '../../gql/graphql';
import { errorMessage } from '../../lib/errors';
import { dateTime, relativeTime } from '../../lib/format';

export const AuditEntriesDocument = graphql(`
  query AuditEntries($filter: AuditFilter, $first: Int, $after: String) {
    auditLog(filter: $filter, first: $first, after: $after) {
      edges {
        node {
          id
          at
          actor
          action
          objectType
          objectId
          outcome
          errorCode
          clientIp
          summary
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);

type Entry = AuditEntriesQuery['auditLog']['edges'][number]['node'];

const OUTCOMES: Array<{ value: AuditOutcome; label: string }> = [
  { value: 'OK', label: 'Done' },
  { value: 'REFUSED', label: 'Refused' },
  { value: 'FAILED', label: 'Failed' },
];

const COLOR: Record<AuditOutcome, string> = { OK: 'green', REFUSED: 'orange', FAILED: 'red' };

function isOutcome(s: string | null): s is AuditOutcome {
  return s === 'OK' || s === 'REFUSED' || s === 'FAILED';
}

const PAGE = 50;

export function AuditLogPage() {
  const [action, setAction] = useState('');
  const [objectType, setObjectType] = useState('');
  const [outcome, setOutcome] = useState<AuditOutcome | null>(null);
  const [after, setAfter] = useState<string | null>(null);
  const [rows, setRows] = useState<Entry[]>([]);
  const [open, setOpen] = useState<string | null>(null);
  const filter = { action: action.trim() || undefined, objectType: objectType.trim() || undefined, outcome: outcome ?? undefined };
  const [res, refetch] = useQuery({ query: AuditEntriesDocument, variables: { filter, first: PAGE, after }, requestPolicy: 'cache-and-network' });

  useEffect(() => setAfter(null), [action, objectType, outcome]);
  const edges = res.data?.auditLog.edges;
  useEffect(() => {
    if (!edges) return;
    const fresh = edges.map((e) => e.node);
    setRows((old) => (after === null ? fresh : [...old, ...fresh.filter((n) => !old.some((o) => o.id === n.id))]));
  }, [edges]);

  return (
    <Stack>
      <PageHeader title="Audit log" description="Every change, sign-in and token event, newest first. Secret values are never kept: they show as ••••. Entries are kept 400 days.">
        <Button component="a" href="/api/audit.jsonl?since=720h" variant="default" leftSection={<IconDownload size={16} />}>
          Export 30 days (JSON lines)
        </Button>
      </PageHeader>
      <Group gap="sm" align="flex-end">
        <TextInput label="Action" placeholder="updateCollection" value={action} onChange={(e) => setAction(e.currentTarget.value)} w={200} />
        <TextInput label="Object type" placeholder="collection" value={objectType} onChange={(e) => setObjectType(e.currentTarget.value)} w={160} />
        <Select label="Outcome" placeholder="any" data={OUTCOMES} value={outcome} onChange={(v) => setOutcome(isOutcome(v) ? v : null)} clearable w={140} />
      </Group>
      {res.error && !res.data ? (
        <ErrorState message={errorMessage(res.error) ?? ''} onRetry={() => refetch({ requestPolicy: 'network-only' })} />
      ) : res.fetching && rows.length === 0 ? (
        <Loading />
      ) : rows.length === 0 ? (
        <EmptyState title="No entries">Nothing matches these filters.</EmptyState>
      ) : (
        <Paper withBorder>
          <Table verticalSpacing={6} aria-label="Audit log" data-testid="audit-log">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>When</Table.Th>
                <Table.Th>Who</Table.Th>
                <Table.Th>Action</Table.Th>
                <Table.Th>Object</Table.Th>
                <Table.Th>Outcome</Table.Th>
                <Table.Th>From</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.map((e) => (
                <AuditRow key={e.id} entry={e} open={open === e.id} onToggle={() => setOpen(open === e.id ? null : e.id)} />
              ))}
            </Table.Tbody>
          </Table>
        </Paper>
      )}
      {res.data?.auditLog.pageInfo.hasNextPage && (
        <Group justify="center">
          <Button variant="default" loading={res.fetching} onClick={() => setAfter(res.data?.auditLog.pageInfo.endCursor ?? null)}>
            Older entries
          </Button>
        </Group>
      )}
    </Stack>
  );
}

function AuditRow({ entry: e, open, onToggle }: { entry: Entry; open: boolean; onToggle: () => void }) {
  let pretty = e.summary;
  try {
    pretty = JSON.stringify(JSON.parse(e.summary), null, 2);
  } catch {
    // shown as stored
  }
  return (
    <>
      <Table.Tr>
        <Table.Td title={dateTime(e.at)}>{relativeTime(e.at)}</Table.Td>
        <Table.Td>{e.actor}</Table.Td>
        <Table.Td>
          <Anchor component="button" type="button" size="sm" onClick={onToggle} className="mono">
            {e.action}
          </Anchor>
        </Table.Td>
        <Table.Td>{e.objectType ? `${e.objectType}${e.objectId ? ` ${e.objectId}` : ''}` : '—'}</Table.Td>
        <Table.Td>
          <Badge color={COLOR[e.outcome]} variant="light">
            {e.outcome.toLowerCase()}
            {e.errorCode ? ` · ${e.errorCode}` : ''}
          </Badge>
        </Table.Td>
        <Table.Td>
          <Text size="sm" className="mono">
            {e.clientIp || '—'}
          </Text>
        </Table.Td>
      </Table.Tr>
      {open && (
        <Table.Tr>
          <Table.Td colSpan={6}>
            <Code block>{pretty}</Code>
          </Table.Td>
        </Table.Tr>
      )}
    </>
  );
}
