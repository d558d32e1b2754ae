// A collection with a browser step, run by the server's own runner (which drives
// Debian's Chromium), and its screenshot seen in the run view.
import { expect, test } from '@playwright/test';

const env = (k: string): string => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} is not set: run through the Playwright config (global-setup starts the servers)`);
  return v;
};

test('a browser step: its action log and screenshot in the run view', async ({ page }) => {
  const base = env('CATENA_E2E_URL');
  await page.goto('/signin');
  await page.getByLabel('Email').fill(env('CATENA_E2E_EMAIL'));
  await page.getByLabel('Password').fill(env('CATENA_E2E_PASSWORD'));
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: 'Dashboard', exact: true })).toBeVisible();

  // The page the browser step opens is Catena's own sign-in page.
  const doc = `name: browser e2e
steps:
  - name: signin_page
    kind: browser
    url: "${base}/signin"
    actions:
      - {wait_for: {text: "Sign in to Catena"}}
      - {fill: "input[type=email]", value: "nobody@example.test"}
      - {screenshot: signin}
    assertions:
      - {source: url, comparison: contains, target: /signin}
`;
  const gql = (query: string, variables: Record<string, unknown>) =>
    page.evaluate(
      async ([q, v]) => {
        const r = await fetch('/graphql', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ query: q, variables: v }) });
        return (await r.json()) as { data?: Record<string, { id?: string; status?: string; collection?: { id: string } }>; errors?: unknown[] };
      },
      [query, variables] as const,
    );
  const imp = await gql('mutation($d: String!) { importCollection(format: CATENA, document: $d) { collection { id } } }', { d: doc });
  expect(imp.errors).toBeUndefined();
  const cid = imp.data?.importCollection.collection?.id;
  const run = await gql('mutation($id: ID!) { runCollection(id: $id) { id } }', { id: cid });
  const rid = run.data?.runCollection.id ?? '';
  await expect
    .poll(async () => (await gql('query($id: ID!) { run(id: $id) { status } }', { id: rid })).data?.run.status, { timeout: 60_000 })
    .toBe('PASSED');

  await page.goto(`/runs/${rid}`);
  const step = page.getByTestId('step-result-signin_page');
  await expect(step).toHaveAttribute('data-status', 'passed');
  await step.getByRole('button').first().click();
  const details = step.getByTestId('browser-details');
  await expect(details.getByTestId('browser-actions')).toContainText('fill "input[type=email]" with "nobody@example.test"');
  const img = details.getByTestId('browser-screenshot');
  await expect(img).toBeVisible();
  await expect(img).toHaveAttribute('src', /^data:image\/jpeg;base64,/);
  expect(await img.evaluate((el) => (el as HTMLImageElement).naturalWidth)).toBeGreaterThan(100);
});

test('a browser step made in the editor keeps its kind and actions after save and reload', async ({ page }) => {
  const base = env('CATENA_E2E_URL');
  await page.goto('/signin');
  await page.getByLabel('Email').fill(env('CATENA_E2E_EMAIL'));
  await page.getByLabel('Password').fill(env('CATENA_E2E_PASSWORD'));
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: 'Dashboard', exact: true })).toBeVisible();

  await page.getByRole('link', { name: 'Collections' }).first().click();
  await page.getByRole('button', { name: 'New collection' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Name').fill('browser editor e2e');
  await dialog.getByRole('button', { name: 'Create', exact: true }).click();
  await expect(page.getByLabel('Collection name')).toHaveValue('browser editor e2e');

  await page.getByRole('tab', { name: /Steps/ }).click();
  await page.getByRole('button', { name: 'Add step' }).click();
  const editor = page.getByTestId('step-editor');
  await editor.getByLabel('Step name').fill('signin_page');
  await editor.getByTestId('step-kind').getByText('Browser', { exact: true }).click();
  await expect(editor.getByLabel('Method')).toHaveCount(0);
  await editor.getByTestId('step-url').fill(`${base}/signin`);
  const actions = editor.getByTestId('step-actions');

  // An unknown action: the server refuses the save and the editor shows why, on its line.
  await actions.fill('{"wait_for": {"text": "Sign in to Catena"}}\n{"clik": "#submit"}');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(editor.getByTestId('step-actions-errors')).toContainText('line 2');

  const good = '{"wait_for": {"text": "Sign in to Catena"}}\n{"extract": "heading", "selector": "h2"}';
  await actions.fill(good);
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByText('saved', { exact: true })).toBeVisible();

  await page.reload();
  const again = page.getByTestId('step-editor');
  await expect(again.getByLabel('Step name')).toHaveValue('signin_page');
  await expect(again.getByTestId('step-kind').getByRole('radio', { name: 'Browser' })).toBeChecked();
  // The server gives actions back in their file form; both are there, in order.
  await expect(again.getByTestId('step-actions')).toHaveValue(/^\{"wait_for":\s*\{"text":\s*"Sign in to Catena"\}\}\n\{.*"extract":\s*"heading".*\}$/);
  await expect(again.getByTestId('step-actions')).toHaveValue(/"selector":\s*"h2"/);
});
