import { Badge, Button, Checkbox, Group, List, NumberInput, SegmentedControl, Select, Stack, Tabs, Text, TextInput } from '@mantine/core';
import { IconBraces } from '@tabler/icons-react';
import { AssertionsEditor } from './AssertionsEditor';
import { checkJSONBody, formatJSONBody, looksLikeJSON } from './body';
import { KeyValueEditor } from './KeyValueEditor';
import { METHODS, actionLines, joinQuery, newKey, splitQuery, withKind, type StepDraft } from './model';
import { RefField } from './RefField';
import { isValidStepName, type ReferenceContext } from './references';

/** One step's request, assertions and options. Server errors come keyed relative to the step ("url", "assertions[0].target"). */
export function StepEditor({
  step,
  onChange,
  onRename,
  context,
  errors,
  duplicateName,
}: {
  step: StepDraft;
  onChange: (s: StepDraft) => void;
  onRename: (from: string, to: string) => void;
  context: ReferenceContext;
  errors: Record<string, string>;
  duplicateName: boolean;
}) {
  const set = (patch: Partial<StepDraft>) => onChange({ ...step, ...patch });
  const { base, params } = splitQuery(step.url);
  const paramRows = params.map((p, i) => ({ key: `p${i}`, ...p }));
  const contentType = step.headers.find((h) => h.name.toLowerCase() === 'content-type')?.value ?? '';
  const jsonBody = step.body.trim() !== '' && looksLikeJSON(step.body, contentType);
  const bodyCheck = jsonBody ? checkJSONBody(step.body) : { ok: true as const };
  const nameError = !isValidStepName(step.name)
    ? 'a step name starts with a letter or _ and holds only letters, digits, _ and -'
    : duplicateName
      ? `another step is named "${step.name}"`
      : errors.name;
  const headerErrors = Object.fromEntries(Object.entries(errors).filter(([k]) => k.startsWith('headers.')).map(([k, v]) => [k.slice('headers.'.length), v]));
  const assertionErrs = Object.fromEntries(Object.entries(errors).filter(([k]) => k.startsWith('assertions')));
  const failedAssertions = step.assertions.length;
  const browser = step.kind === 'browser';
  // Server errors on actions come as "actions" or "actions[2]…"; a line's index is its action's.
  const actionErrs = Object.entries(errors).filter(([k]) => k === 'actions' || k.startsWith('actions['));
  const actionCount = actionLines(step.actions).length;

  return (
    <Stack gap="md" data-testid="step-editor">
      <Group align="flex-start" gap="sm" wrap="wrap">
        <TextInput
          label="Step name"
          description="Later steps use it: @<<name.body.…>>"
          value={step.name}
          onChange={(e) => {
            const to = e.currentTarget.value;
            onRename(step.name, to);
          }}
          error={nameError}
          classNames={{ input: 'mono' }}
          w={260}
        />
        <Stack gap={4}>
          <Text size="sm" fw={500}>
            Kind
          </Text>
          <SegmentedControl
            aria-label="Step kind"
            data-testid="step-kind"
            data={[
              { value: 'http', label: 'HTTP' },
              { value: 'browser', label: 'Browser' },
            ]}
            value={step.kind}
            onChange={(v) => onChange(withKind(step, v === 'browser' ? 'browser' : 'http'))}
          />
        </Stack>
        {!browser && <Select label="Method" data={[...METHODS]} value={step.method} onChange={(v) => v && set({ method: v })} allowDeselect={false} w={120} error={errors.method} />}
      </Group>
      <RefField label="URL" placeholder="@<<vars.base>>/login" value={step.url} onChange={(url) => set({ url })} context={context} error={errors.url} monospace data-testid="step-url" />
      <Tabs key={step.kind} defaultValue={browser ? 'actions' : 'params'} keepMounted={false}>
        <Tabs.List>
          {browser && (
            <Tabs.Tab value="actions" color={actionErrs.length > 0 ? 'red' : undefined}>
              Actions{actionCount > 0 && <Badge size="xs" ml={4}>{actionCount}</Badge>}
            </Tabs.Tab>
          )}
          {!browser && (
          <Tabs.Tab value="params">Query{params.length > 0 && <Badge size="xs" ml={4}>{params.length}</Badge>}</Tabs.Tab>
          )}
          {!browser && <Tabs.Tab value="headers">Headers{step.headers.length > 0 && <Badge size="xs" ml={4}>{step.headers.length}</Badge>}</Tabs.Tab>}
          {!browser && (
          <Tabs.Tab value="body" color={bodyCheck.ok ? undefined : 'red'}>
            Body{!bodyCheck.ok && <Badge size="xs" color="red" ml={4}>!</Badge>}
          </Tabs.Tab>
          )}
          <Tabs.Tab value="assertions">Assertions{failedAssertions > 0 && <Badge size="xs" ml={4}>{failedAssertions}</Badge>}</Tabs.Tab>
          <Tabs.Tab value="options">Options</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="actions" pt="sm">
          <Stack gap="xs">
            <RefField
              aria-label="Actions"
              multiline
              minRows={6}
              placeholder={'{"fill": "#email", "value": "@<<secrets.email>>"}\n{"click": "#submit"}\n{"wait_for": {"text": "Welcome"}}\n{"extract": "order_id", "selector": ".order", "attribute": "data-id"}'}
              value={step.actions}
              onChange={(actions) => set({ actions })}
              context={context}
              monospace
              data-testid="step-actions"
            />
            <Text size="xs" c="dimmed">
              One action a line, as JSON: click, fill, select, wait_for, extract, screenshot, … (docs/collection-language.md). Later steps read extracted values as @&lt;&lt;{step.name}.extracted.NAME&gt;&gt;.
            </Text>
            {actionErrs.length > 0 && (
              <List size="sm" c="red" data-testid="step-actions-errors">
                {actionErrs.map(([k, v]) => (
                  <List.Item key={k}>
                    {k.replace(/^actions\[(\d+)\]/, (_, i: string) => `line ${Number(i) + 1}`)}: {v}
                  </List.Item>
                ))}
              </List>
            )}
          </Stack>
        </Tabs.Panel>
        <Tabs.Panel value="params" pt="sm">
          <KeyValueEditor
            testid="query-params"
            rows={paramRows}
            onChange={(rows) => set({ url: joinQuery(base, rows) })}
            context={context}
            nameLabel="Parameter"
            valueLabel="Value"
            addLabel="Add parameter"
            newKey={newKey}
          />
        </Tabs.Panel>
        <Tabs.Panel value="headers" pt="sm">
          <KeyValueEditor testid="headers" rows={step.headers} onChange={(headers) => set({ headers })} context={context} nameLabel="Header" valueLabel="Value" addLabel="Add header" errors={headerErrors} newKey={newKey} />
        </Tabs.Panel>
        <Tabs.Panel value="body" pt="sm">
          <Stack gap="xs">
            <RefField
              aria-label="Body"
              multiline
              minRows={6}
              placeholder={'{"user": "demo", "password": "@<<secrets.password>>"}'}
              value={step.body}
              onChange={(body) => set({ body })}
              context={context}
              error={errors.body ?? (bodyCheck.ok ? null : bodyCheck.message)}
              data-testid="step-body"
            />
            <Group gap="xs">
              <Button
                size="xs"
                variant="light"
                leftSection={<IconBraces size={14} />}
                disabled={!jsonBody || !bodyCheck.ok}
                onClick={() => {
                  const f = formatJSONBody(step.body);
                  if (f !== null) set({ body: f });
                }}
              >
                Format JSON
              </Button>
              {jsonBody && bodyCheck.ok && (
                <Text size="xs" c="green">
                  Valid JSON
                </Text>
              )}
              {jsonBody && !contentType && (
                <Button size="xs" variant="subtle" onClick={() => set({ headers: [...step.headers, { key: newKey(), name: 'Content-Type', value: 'application/json' }] })}>
                  Add Content-Type: application/json
                </Button>
              )}
            </Group>
          </Stack>
        </Tabs.Panel>
        <Tabs.Panel value="assertions" pt="sm">
          <AssertionsEditor rows={step.assertions} onChange={(assertions) => set({ assertions })} context={context} serverErrors={assertionErrs} newKey={newKey} />
        </Tabs.Panel>
        <Tabs.Panel value="options" pt="sm">
          <Stack gap="sm">
            <NumberInput
              label="Timeout (ms)"
              description="Empty: 10 000 ms. At most 5 minutes."
              value={step.timeout === '' ? '' : Number(step.timeout)}
              onChange={(v) => set({ timeout: v === '' ? '' : String(v) })}
              min={1}
              max={300_000}
              step={500}
              allowDecimal={false}
              error={errors.timeout ?? errors.timeoutMs}
              w={220}
            />
            <Checkbox label="Always run (teardown): runs even after an earlier step failed" checked={step.alwaysRun} onChange={(e) => set({ alwaysRun: e.currentTarget.checked })} />
            <Checkbox label="Continue on failure: a failure here does not skip later steps" checked={step.continueOnFailure} onChange={(e) => set({ continueOnFailure: e.currentTarget.checked })} />
            {!browser && <Checkbox label="Retry until the assertions hold (poll an asynchronous API)" checked={step.retry} onChange={(e) => set({ retry: e.currentTarget.checked })} />}
            {!browser && step.retry && (
              <Group gap="sm" pl="xl">
                <NumberInput label="Attempts" value={Number(step.retryAttempts)} onChange={(v) => set({ retryAttempts: String(v) })} min={1} max={100} allowDecimal={false} w={120} error={errors['retry.attempts']} />
                <NumberInput label="Interval (ms)" value={Number(step.retryIntervalMs)} onChange={(v) => set({ retryIntervalMs: String(v) })} min={0} max={300_000} step={500} allowDecimal={false} w={160} error={errors['retry.interval']} />
              </Group>
            )}
            {!browser && <Checkbox label="Follow redirects" checked={step.followRedirects} onChange={(e) => set({ followRedirects: e.currentTarget.checked })} />}
            {!browser && <Checkbox label="Skip TLS certificate verification (insecure)" checked={step.insecure} onChange={(e) => set({ insecure: e.currentTarget.checked })} />}
          </Stack>
        </Tabs.Panel>
      </Tabs>
    </Stack>
  );
}
