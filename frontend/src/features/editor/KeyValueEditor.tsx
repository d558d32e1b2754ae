import { ActionIcon, Button, Group, Stack, Text, TextInput } from '@mantine/core';
import { IconPlus, IconTrash } from '@tabler/icons-react';
import { RefField } from './RefField';
import type { ReferenceContext } from './references';

export interface Row {
  key: string;
  name: string;
  value: string;
}

/** Name/value rows (headers, query parameters, variables) whose values take references. */
export function KeyValueEditor({
  rows,
  onChange,
  context,
  nameLabel,
  valueLabel,
  addLabel,
  errors = {},
  newKey,
  testid,
}: {
  rows: Row[];
  onChange: (rows: Row[]) => void;
  context: ReferenceContext | null;
  nameLabel: string;
  valueLabel: string;
  addLabel: string;
  errors?: Record<string, string>;
  newKey: () => string;
  testid: string;
}) {
  const set = (i: number, patch: Partial<Row>) => onChange(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  return (
    <Stack gap="xs" data-testid={testid}>
      {rows.length === 0 && (
        <Text size="sm" c="dimmed">
          None yet.
        </Text>
      )}
      {rows.map((r, i) => (
        <Group key={r.key} gap="xs" align="flex-start" wrap="nowrap">
          <TextInput
            aria-label={`${nameLabel} ${i + 1}`}
            placeholder={nameLabel}
            value={r.name}
            onChange={(e) => set(i, { name: e.currentTarget.value })}
            error={errors[r.name] ? true : undefined}
            style={{ flex: '0 0 35%' }}
            classNames={{ input: 'mono' }}
          />
          <div style={{ flex: 1, minWidth: 0 }}>
            {context ? (
              <RefField aria-label={`${valueLabel} ${i + 1}`} placeholder={valueLabel} value={r.value} onChange={(v) => set(i, { value: v })} context={context} error={errors[r.name]} monospace />
            ) : (
              <TextInput aria-label={`${valueLabel} ${i + 1}`} placeholder={valueLabel} value={r.value} onChange={(e) => set(i, { value: e.currentTarget.value })} error={errors[r.name]} classNames={{ input: 'mono' }} />
            )}
          </div>
          <ActionIcon variant="subtle" color="gray" mt={6} aria-label={`Remove ${r.name || `row ${i + 1}`}`} onClick={() => onChange(rows.filter((_, j) => j !== i))}>
            <IconTrash size={16} />
          </ActionIcon>
        </Group>
      ))}
      <Group>
        <Button size="xs" variant="light" leftSection={<IconPlus size={14} />} onClick={() => onChange([...rows, { key: newKey(), name: '', value: '' }])}>
          {addLabel}
        </Button>
      </Group>
    </Stack>
  );
}
