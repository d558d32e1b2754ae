// Import a Postman collection or a Catena file by dropping it (or picking it, or
// pasting it); the import warnings are shown before opening the new collection.
import { Alert, Button, Group, List, Paper, SegmentedControl, Stack, Text, Textarea } from '@mantine/core';
import { Dropzone } from '@mantine/dropzone';
import { IconAlertTriangle, IconCheck, IconFileImport, IconUpload, IconX } from '@tabler/icons-react';
import { useState } from 'react';
import { Link } from 'react-router';
import { useMutation } from 'urql';
import { PageHeader } from '../../components/States';
import { graphql } from '../../gql';
import type { ImportFormat } from '../../gql/graphql';
import { FormErrors } from '../../components/FormErrors';
import { fieldErrors } from '../../lib/errors';
import { detectFormat } from './detect';

const ImportDocument = graphql(`
  mutation ImportCollection($format: ImportFormat!, $document: String!) {
    importCollection(format: $format, document: $document) {
      collection {
        id
        name
        steps {
          id
        }
      }
      warnings
    }
  }
`);

const MAX_BYTES = 5 << 20;

export function ImportPage() {
  const [text, setText] = useState('');
  const [fileName, setFileName] = useState<string | null>(null);
  const [format, setFormat] = useState<ImportFormat>('CATENA');
  const [readError, setReadError] = useState<string | null>(null);
  const [result, importCollection] = useMutation(ImportDocument);
  const done = result.data?.importCollection;
  const errs = fieldErrors(result.error);

  const load = async (file: File) => {
    setReadError(null);
    if (file.size > MAX_BYTES) {
      setReadError(`${file.name} is ${(file.size / 1048576).toFixed(1)} MiB; a collection file is at most 5 MiB`);
      return;
    }
    const t = await file.text();
    setText(t);
    setFileName(file.name);
    setFormat(detectFormat(t));
  };

  return (
    <Stack maw={900}>
      <PageHeader title="Import" description="A Postman v2.1 collection (JSON) or a Catena file (YAML or JSON) becomes a new collection." />
      <Dropzone
        onDrop={(files) => files[0] && void load(files[0])}
        onReject={(r) => setReadError(r[0]?.errors[0]?.message ?? 'file refused')}
        maxSize={MAX_BYTES}
        multiple={false}
        data-testid="import-dropzone"
      >
        <Group justify="center" gap="xl" mih={140} style={{ pointerEvents: 'none' }}>
          <Dropzone.Accept>
            <IconUpload size={44} stroke={1.5} />
          </Dropzone.Accept>
          <Dropzone.Reject>
            <IconX size={44} stroke={1.5} />
          </Dropzone.Reject>
          <Dropzone.Idle>
            <IconFileImport size={44} stroke={1.5} />
          </Dropzone.Idle>
          <Stack gap={4}>
            <Text size="lg">Drop a collection file here, or click to choose one</Text>
            <Text size="sm" c="dimmed">
              Postman exports (Collection v2.1) and Catena files; at most 5 MiB.
            </Text>
          </Stack>
        </Group>
      </Dropzone>
      {readError && (
        <Alert color="red" role="alert">
          {readError}
        </Alert>
      )}
      <Textarea
        label={fileName ? `Contents of ${fileName}` : 'Or paste the file here'}
        value={text}
        onChange={(e) => {
          setText(e.currentTarget.value);
          setFormat(detectFormat(e.currentTarget.value));
        }}
        autosize
        minRows={6}
        maxRows={16}
        classNames={{ input: 'mono' }}
        styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)', fontSize: 12 } }}
        error={errs.document}
        data-testid="import-text"
      />
      <Group justify="space-between">
        <SegmentedControl
          value={format}
          onChange={(v) => setFormat(v === 'POSTMAN' ? 'POSTMAN' : 'CATENA')}
          data={[
            { value: 'CATENA', label: 'Catena file' },
            { value: 'POSTMAN', label: 'Postman collection' },
          ]}
          aria-label="Format"
        />
        <Button leftSection={<IconFileImport size={16} />} disabled={text.trim() === ''} loading={result.fetching} onClick={() => void importCollection({ format, document: text })}>
          Import
        </Button>
      </Group>
      {result.error && Object.keys(errs).some((k) => k !== 'document') && (
        <Alert color="red" title="Import failed: the file has problems" role="alert">
          <Stack gap={2}>
            {Object.entries(errs)
              .filter(([k]) => k !== 'document')
              .map(([k, v]) => (
                <Text size="sm" key={k}>
                  <span className="mono">{k}</span>: {v}
                </Text>
              ))}
          </Stack>
        </Alert>
      )}
      <FormErrors error={result.error} placed={() => true} title="Import failed" />
      {done && (
        <Paper withBorder p="md" data-testid="import-result">
          <Stack gap="sm">
            <Group gap="xs">
              <IconCheck color="var(--mantine-color-green-6)" />
              <Text fw={600}>
                Imported “{done.collection.name}” with {done.collection.steps.length} step{done.collection.steps.length === 1 ? '' : 's'}
              </Text>
            </Group>
            {done.warnings.length > 0 && (
              <Alert color="yellow" icon={<IconAlertTriangle size={18} />} title={`${done.warnings.length} warning${done.warnings.length === 1 ? '' : 's'}`} data-testid="import-warnings">
                <List size="sm">
                  {done.warnings.map((w) => (
                    <List.Item key={w}>{w}</List.Item>
                  ))}
                </List>
              </Alert>
            )}
            <Group>
              <Button component={Link} to={`/collections/${done.collection.id}`}>
                Open the collection
              </Button>
            </Group>
          </Stack>
        </Paper>
      )}
    </Stack>
  );
}
