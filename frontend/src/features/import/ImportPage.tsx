// Import a collection from another tool by dropping its file (or picking it, or
// pasting it, or pasting curl command lines): the format is detected, the
// warnings are shown grouped by request, and the new collection opens in the
// editor to fix what the warnings name and save.
import { Alert, Button, Group, List, Paper, Select, Stack, Text, TextInput, Textarea } from '@mantine/core';
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
import { detectFormat, type Detected } from './detect';
import { groupWarnings } from './warnings';

const ImportDocument = graphql(`
  mutation ImportCollection($format: ImportFormat!, $document: String!, $options: ImportOptions) {
    importCollection(format: $format, document: $document, options: $options) {
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

// The API reads a request body of at most 1 MiB, the document JSON-escaped inside it.
const MAX_BYTES = 1 << 20;
const MAX_DOCUMENT_BYTES = MAX_BYTES - 4096;

const FORMATS: { value: ImportFormat; label: string }[] = [
  { value: 'CATENA', label: 'Catena file' },
  { value: 'POSTMAN', label: 'Postman collection' },
  { value: 'OPENAPI', label: 'OpenAPI 3 document' },
  { value: 'HAR', label: 'HAR (browser recording)' },
  { value: 'CURL', label: 'curl command lines' },
];

function tooLarge(name: string, bytes: number): string {
  return `${name} is ${(bytes / 1048576).toFixed(1)} MiB; the API imports at most 1 MiB. Convert it with \`catena import FILE --out catena.yaml\` (up to 8 MiB) and run or import the result.`;
}

export function ImportPage() {
  const [text, setText] = useState('');
  const [fileName, setFileName] = useState<string | null>(null);
  const [detected, setDetected] = useState<Detected>('CATENA');
  const [format, setFormat] = useState<ImportFormat>('CATENA');
  const [tag, setTag] = useState('');
  const [operations, setOperations] = useState('');
  const [name, setName] = useState('');
  const [readError, setReadError] = useState<string | null>(null);
  const [result, importCollection] = useMutation(ImportDocument);
  const done = result.data?.importCollection;
  const errs = fieldErrors(result.error);

  const guess = (t: string) => {
    const d = detectFormat(t);
    setDetected(d);
    if (d !== 'ENVIRONMENT') setFormat(d);
  };
  const load = async (file: File) => {
    setReadError(null);
    if (file.size > MAX_DOCUMENT_BYTES) {
      setReadError(tooLarge(file.name, file.size));
      return;
    }
    const t = await file.text();
    setText(t);
    setFileName(file.name);
    guess(t);
  };
  const submit = () => {
    const size = new TextEncoder().encode(JSON.stringify(text)).length;
    if (size > MAX_DOCUMENT_BYTES) {
      setReadError(tooLarge(fileName ?? 'The document', size));
      return;
    }
    setReadError(null);
    const ops = operations
      .split(/[\n,]/)
      .map((o) => o.trim())
      .filter((o) => o !== '');
    const options =
      format === 'OPENAPI'
        ? { tag: tag.trim() || undefined, operations: ops.length > 0 ? ops : undefined }
        : (format === 'HAR' || format === 'CURL') && name.trim() !== ''
          ? { name: name.trim() }
          : undefined;
    void importCollection({ format, document: text, options });
  };
  const groups = groupWarnings(done?.warnings ?? []);

  return (
    <Stack maw={900}>
      <PageHeader title="Import" description="A Postman collection, an OpenAPI 3 document, a HAR recorded by a browser, curl command lines or a Catena file becomes a new collection." />
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
            <Text size="lg">Drop a file here, or click to choose one</Text>
            <Text size="sm" c="dimmed">
              Postman collections (v2.0/v2.1), OpenAPI 3 (JSON or YAML), HAR files and Catena files; at most 1 MiB. Paste curl command lines below.
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
        label={fileName ? `Contents of ${fileName}` : 'Or paste the file, or curl command lines, here'}
        value={text}
        onChange={(e) => {
          setText(e.currentTarget.value);
          guess(e.currentTarget.value);
        }}
        autosize
        minRows={6}
        maxRows={16}
        classNames={{ input: 'mono' }}
        styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)', fontSize: 12 } }}
        error={errs.document}
        data-testid="import-text"
      />
      {detected === 'ENVIRONMENT' && (
        <Alert color="blue" title="This is a Postman environment" data-testid="import-environment">
          An environment holds variable values, not requests. Import the collection it belongs to first; to convert both at once use{' '}
          <span className="mono">catena import COLLECTION.json --env ENVIRONMENT.json</span>.
        </Alert>
      )}
      <Group align="flex-end">
        <Select label="Format" data={FORMATS} value={format} onChange={(v) => v && setFormat(v as ImportFormat)} allowDeselect={false} w={240} data-testid="import-format" />
        {format === 'OPENAPI' && (
          <>
            <TextInput label="Only the operations tagged" placeholder="every tag" value={tag} onChange={(e) => setTag(e.currentTarget.value)} data-testid="import-tag" />
            <TextInput label="Only these operations" placeholder="operationId or GET /path, comma-separated" value={operations} onChange={(e) => setOperations(e.currentTarget.value)} w={320} />
          </>
        )}
        {(format === 'HAR' || format === 'CURL') && <TextInput label="Collection name" placeholder="from the first request" value={name} onChange={(e) => setName(e.currentTarget.value)} data-testid="import-name" />}
        <Button ml="auto" leftSection={<IconFileImport size={16} />} disabled={text.trim() === '' || detected === 'ENVIRONMENT'} loading={result.fetching} onClick={submit}>
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
              <Alert color="yellow" icon={<IconAlertTriangle size={18} />} title={`${done.warnings.length} warning${done.warnings.length === 1 ? '' : 's'}: open the collection to fix these, then save`} data-testid="import-warnings">
                <Stack gap="xs">
                  {groups.map((g) => (
                    <div key={g.request ?? ''} data-testid="import-warning-group">
                      <Text size="sm" fw={600}>
                        {g.request ?? 'The whole file'} ({g.warnings.length})
                      </Text>
                      <List size="sm">
                        {g.warnings.map((w, i) => (
                          <List.Item key={i}>{w}</List.Item>
                        ))}
                      </List>
                    </div>
                  ))}
                </Stack>
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
