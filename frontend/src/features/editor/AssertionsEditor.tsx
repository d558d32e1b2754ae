import { ActionIcon, Button, Group, Paper, Select, Stack, Text, TextInput, Textarea } from '@mantine/core';
import { IconPlus, IconTrash } from '@tabler/icons-react';
import {
  COMPARISON_LABELS,
  JSON_TYPES,
  SOURCES,
  SOURCE_LABELS,
  assertionErrors,
  changeComparison,
  changeSource,
  comparisonsFor,
  isComparison,
  isSource,
  newAssertion,
  propertyField,
  targetField,
  type AssertionDraft,
} from '../../lib/assertions';
import { RefField } from './RefField';
import type { ReferenceContext } from './references';

type Row = AssertionDraft & { key: string };

/** Assertions built from dropdowns: source, property (header/body), comparison valid for the source, target. */
export function AssertionsEditor({
  rows,
  onChange,
  context,
  serverErrors,
  newKey,
}: {
  rows: Row[];
  onChange: (rows: Row[]) => void;
  context: ReferenceContext;
  /** Server errors keyed like "assertions[0].target". */
  serverErrors: Record<string, string>;
  newKey: () => string;
}) {
  const set = (i: number, next: AssertionDraft) => onChange(rows.map((r, j) => (j === i ? { ...next, key: r.key } : r)));
  return (
    <Stack gap="sm" data-testid="assertions-editor">
      {rows.length === 0 && (
        <Text size="sm" c="dimmed">
          No assertions: the step passes whenever a response arrives.
        </Text>
      )}
      {rows.map((a, i) => {
        const local = assertionErrors(a);
        const server = (f: string) => serverErrors[`assertions[${i}].${f}`] ?? serverErrors[`assertions[${i}]`];
        const prop = propertyField(a.source);
        const target = targetField(a);
        return (
          <Paper key={a.key} withBorder p="xs" data-testid={`assertion-${i}`}>
            <Group gap="xs" align="flex-start" wrap="wrap">
              <Select
                aria-label={`Assertion ${i + 1} source`}
                data={SOURCES.map((s) => ({ value: s, label: SOURCE_LABELS[s] }))}
                value={a.source}
                onChange={(v) => v && isSource(v) && set(i, changeSource(a, v))}
                allowDeselect={false}
                w={150}
              />
              {prop.show && (
                <TextInput
                  aria-label={`Assertion ${i + 1} ${prop.label.toLowerCase()}`}
                  placeholder={prop.placeholder}
                  value={a.property}
                  onChange={(e) => set(i, { ...a, property: e.currentTarget.value })}
                  error={local.property ?? server('property')}
                  classNames={{ input: 'mono' }}
                  style={{ flex: '1 1 160px' }}
                />
              )}
              <Select
                aria-label={`Assertion ${i + 1} comparison`}
                data={comparisonsFor(a.source).map((c) => ({ value: c, label: COMPARISON_LABELS[c] }))}
                value={a.comparison}
                onChange={(v) => v && isComparison(v) && set(i, changeComparison(a, v))}
                allowDeselect={false}
                error={local.comparison ?? server('comparison')}
                w={190}
              />
              {target.show && target.kind === 'type' && (
                <Select aria-label={`Assertion ${i + 1} type`} data={[...JSON_TYPES]} value={a.target} onChange={(v) => v && set(i, { ...a, target: v })} allowDeselect={false} w={130} />
              )}
              {target.show && target.kind === 'schema' && (
                <Textarea
                  aria-label={`Assertion ${i + 1} JSON schema`}
                  placeholder={target.placeholder}
                  value={a.target}
                  onChange={(e) => set(i, { ...a, target: e.currentTarget.value })}
                  error={local.target ?? server('target')}
                  autosize
                  minRows={2}
                  classNames={{ input: 'mono' }}
                  style={{ flex: '1 1 100%' }}
                />
              )}
              {target.show && (target.kind === 'number' || target.kind === 'text' || target.kind === 'regex') && (
                <div style={{ flex: '1 1 160px', minWidth: 0 }}>
                  <RefField
                    aria-label={`Assertion ${i + 1} target`}
                    placeholder={target.placeholder}
                    value={a.target}
                    onChange={(v) => set(i, { ...a, target: v })}
                    context={context}
                    error={local.target ?? server('target')}
                    monospace
                  />
                </div>
              )}
              <ActionIcon variant="subtle" color="gray" mt={6} aria-label={`Remove assertion ${i + 1}`} onClick={() => onChange(rows.filter((_, j) => j !== i))}>
                <IconTrash size={16} />
              </ActionIcon>
            </Group>
          </Paper>
        );
      })}
      <Group gap="xs">
        <Button size="xs" variant="light" leftSection={<IconPlus size={14} />} onClick={() => onChange([...rows, { ...newAssertion('status'), key: newKey() }])}>
          Add assertion
        </Button>
        <Button size="xs" variant="subtle" onClick={() => onChange([...rows, { ...newAssertion('body'), key: newKey() }])}>
          + body field
        </Button>
        <Button size="xs" variant="subtle" onClick={() => onChange([...rows, { ...newAssertion('latency'), key: newKey() }])}>
          + latency
        </Button>
      </Group>
    </Stack>
  );
}
