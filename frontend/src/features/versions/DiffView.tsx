import { Code, Text } from '@mantine/core';

/** The class of one line of a unified diff. */
export function diffLineKind(line: string): 'add' | 'del' | 'hunk' | 'file' | 'same' {
  if (line.startsWith('+++') || line.startsWith('---')) return 'file';
  if (line.startsWith('@@')) return 'hunk';
  if (line.startsWith('+')) return 'add';
  if (line.startsWith('-')) return 'del';
  return 'same';
}

const COLORS: Record<ReturnType<typeof diffLineKind>, string | undefined> = {
  add: 'var(--mantine-color-green-light)',
  del: 'var(--mantine-color-red-light)',
  hunk: 'var(--mantine-color-blue-light)',
  file: undefined,
  same: undefined,
};

/** A unified diff, added lines green and removed lines red. */
export function DiffView({ diff, empty }: { diff: string; empty: string }) {
  if (diff.trim() === '') {
    return (
      <Text size="sm" c="dimmed" data-testid="version-diff" data-empty="true">
        {empty}
      </Text>
    );
  }
  const lines = diff.replace(/\n$/, '').split('\n');
  return (
    <Code block data-testid="version-diff" style={{ maxHeight: 480, overflow: 'auto', padding: 0 }}>
      {lines.map((l, i) => {
        const kind = diffLineKind(l);
        return (
          <div key={i} data-kind={kind} style={{ background: COLORS[kind], padding: '0 8px', whiteSpace: 'pre', fontWeight: kind === 'file' ? 600 : undefined }}>
            {l === '' ? ' ' : l}
          </div>
        );
      })}
    </Code>
  );
}
