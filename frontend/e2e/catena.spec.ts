// The GUI end to end, as a person uses it: sign in, build a chained collection
// with @<< completion, run it live, break an assertion, alert a Slack stand-in
// from a monitor, import a Postman collection. Screenshots of the main screens go
// to docs/screenshots/ (shown in the README).
import { expect, test, type Locator, type Page } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const shots = resolve(dirname(fileURLToPath(import.meta.url)), '../../docs/screenshots');
mkdirSync(shots, { recursive: true });

const env = (k: string): string => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} is not set: run through the Playwright config (global-setup starts the servers)`);
  return v;
};
const BASE = () => env('CATENA_E2E_URL');
const DEMO = () => env('CATENA_E2E_DEMO');
const SLACK = () => env('CATENA_E2E_SLACK');

test.describe.configure({ mode: 'serial' });

let page: Page;

async function shot(name: string, opts: { fullPage?: boolean } = {}) {
  // Let charts and transitions settle before the picture.
  await page.waitForTimeout(300);
  // Toasts would cover the page; they are not part of the screen being shown.
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: opts.fullPage ?? false, style: '.mantine-Notifications-root { display: none !important; }' });
}

/** Types into a reference field, choosing completion options on the way: parts in [brackets] are picked from the list. */
async function typeWithCompletion(field: Locator, parts: Array<string | { pick: RegExp }>) {
  await field.click();
  for (const p of parts) {
    if (typeof p === 'string') {
      await field.pressSequentially(p, { delay: 15 });
    } else {
      const option = page.getByRole('listbox', { name: 'References' }).getByRole('option', { name: p.pick }).first();
      await expect(option).toBeVisible();
      await option.click();
    }
  }
}

async function selectOption(label: string | RegExp, option: string | RegExp, scope: Locator | Page = page) {
  await scope.getByRole('textbox', { name: label }).click();
  await page.getByRole('option', { name: option }).first().click();
}

/** Step options: a 3 s timeout, so a monitor may run the collection every 10 s. */
async function shortTimeout(editor: Locator) {
  await editor.getByRole('tab', { name: 'Options' }).click();
  await editor.getByLabel('Timeout (ms)').fill('3000');
}

async function slackReceived(): Promise<Array<{ path: string; body: string }>> {
  const r = await fetch(`${SLACK()}/received`);
  return (await r.json()) as Array<{ path: string; body: string }>;
}

test.beforeAll(async ({ browser }) => {
  page = await browser.newPage({ baseURL: BASE(), viewport: { width: 1280, height: 860 } });
});

test.afterAll(async () => {
  await page.close();
});

test('sign in', async () => {
  await page.goto('/');
  await expect(page).toHaveURL(/\/signin/);
  await expect(page.getByRole('heading', { name: 'Sign in to Catena' })).toBeVisible();
  await page.getByLabel('Email').fill(env('CATENA_E2E_EMAIL'));
  await page.getByLabel('Password').fill('wrong password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toBeVisible();
  await shot('sign-in');
  await page.getByLabel('Password').fill(env('CATENA_E2E_PASSWORD'));
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: 'Dashboard', exact: true })).toBeVisible();
});

test('build a 3-step chained collection using completion, run it and see it pass live', async () => {
  await page.getByRole('link', { name: 'Collections' }).first().click();
  await expect(page.getByRole('heading', { name: 'Collections', exact: true })).toBeVisible();
  await page.getByRole('button', { name: 'New collection' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Name').fill('demo checkout');
  await dialog.getByRole('button', { name: 'Create', exact: true }).click();
  await expect(page.getByLabel('Collection name')).toHaveValue('demo checkout');

  // Variables and secrets.
  await page.getByRole('tab', { name: /Variables/ }).click();
  await page.getByRole('button', { name: 'Add variable' }).click();
  await page.getByLabel('Variable 1').fill('base');
  await page.getByLabel('Value 1').fill(DEMO());
  await page.getByRole('tab', { name: /Secrets/ }).click();
  await page.getByLabel('Secret name').fill('password');
  await page.getByLabel('Secret value').fill('demo-password');
  await page.getByRole('button', { name: 'Add secret' }).click();
  await expect(page.getByTestId('secrets-panel').getByText('•••• set')).toBeVisible();

  // Step 1: login, URL and body through completion.
  await page.getByRole('tab', { name: /Steps/ }).click();
  await page.getByRole('button', { name: 'Add step' }).click();
  const editor = page.getByTestId('step-editor');
  await editor.getByLabel('Step name').fill('login');
  await selectOption('Method', 'POST', editor);
  const url = editor.getByTestId('step-url');
  await url.fill('');
  await typeWithCompletion(url, ['@<<va', { pick: /^vars/ }, { pick: /^base/ }, '/login']);
  await expect(url).toHaveValue('@<<vars.base>>/login');
  await editor.getByRole('tab', { name: /Headers/ }).click();
  await editor.getByRole('button', { name: 'Add header' }).click();
  await editor.getByLabel('Header 1').fill('Content-Type');
  await editor.getByLabel('Value 1').fill('application/json');
  await editor.getByRole('tab', { name: /Body/ }).click();
  const body = editor.getByTestId('step-body');
  await typeWithCompletion(body, ['{"user":"demo","password":"', '@<<sec', { pick: /^secrets/ }, { pick: /^password/ }, '"}']);
  await editor.getByRole('button', { name: 'Format JSON' }).click();
  await expect(body).toHaveValue('{\n  "user": "demo",\n  "password": "@<<secrets.password>>"\n}');
  await editor.getByRole('tab', { name: /Assertions/ }).click();
  await editor.getByRole('button', { name: '+ body field' }).click();
  await editor.getByLabel('Assertion 2 json path').fill('token');
  await shortTimeout(editor);

  // Run once so completion knows what login answers.
  await page.getByRole('button', { name: 'Run' }).click();
  await expect(page.getByTestId('live-run')).toHaveAttribute('data-status', 'passed', { timeout: 30_000 });

  // Step 2: create_order, authorised with the token picked from the last response.
  await page.getByRole('button', { name: 'Add step' }).click();
  await editor.getByLabel('Step name').fill('create_order');
  await selectOption('Method', 'POST', editor);
  await url.fill('');
  await url.pressSequentially('@<<vars.base>>/orders');
  await editor.getByRole('tab', { name: /Headers/ }).click();
  await editor.getByRole('button', { name: 'Add header' }).click();
  await editor.getByLabel('Header 1').fill('Authorization');
  const auth = editor.getByLabel('Value 1');
  await typeWithCompletion(auth, ['Bearer @<<lo', { pick: /^login/ }]);
  // The parts of login, each with what the last run returned.
  await expect(page.getByRole('option', { name: /^status.*200/ })).toBeVisible();
  await page.getByRole('option', { name: /^body/ }).click();
  const token = page.getByRole('option', { name: /^token\s/ });
  await expect(token).toBeVisible();
  await shot('editor-completion');
  await token.click();
  await expect(auth).toHaveValue('Bearer @<<login.body.token>>');
  await editor.getByRole('button', { name: 'Add header' }).click();
  await editor.getByLabel('Header 2').fill('Content-Type');
  await editor.getByLabel('Value 2').fill('application/json');
  await editor.getByRole('tab', { name: /Body/ }).click();
  await body.fill('{"currency": "EUR", "items": [{"sku": "CHAIN-1", "name": "Bike chain", "quantity": 2, "unit_price": 12.5}]}');
  await editor.getByRole('tab', { name: /Assertions/ }).click();
  await editor.getByLabel('Assertion 1 target').fill('201');
  await shortTimeout(editor);

  // Step 3: get_order reads the order created by step 2.
  await page.getByRole('button', { name: 'Add step' }).click();
  await editor.getByLabel('Step name').fill('get_order');
  await url.fill('');
  await typeWithCompletion(url, ['@<<vars.base>>/orders/', '@<<cr', { pick: /^create_order/ }, { pick: /^body/ }]);
  // No run has reached create_order yet: completion offers no fields, and a typo is flagged.
  await url.pressSequentially('id>>');
  await expect(url).toHaveValue('@<<vars.base>>/orders/@<<create_order.body.id>>');
  await editor.getByRole('tab', { name: /Headers/ }).click();
  await editor.getByRole('button', { name: 'Add header' }).click();
  await editor.getByLabel('Header 1').fill('Authorization');
  await typeWithCompletion(editor.getByLabel('Value 1'), ['Bearer @<<login.body.tok', { pick: /^token\s/ }]);

  // An unresolvable reference is underlined with its reason.
  const v1 = editor.getByLabel('Value 1');
  await v1.fill('Bearer @<<nope.body.token>>');
  await expect(editor.getByText("unknown step 'nope' in @<<nope.body.token>>; earlier steps: login, create_order")).toBeVisible();
  await expect(editor.locator('.ref-overlay mark')).toHaveCount(1);
  await v1.fill('Bearer @<<login.body.token>>');
  await shortTimeout(editor);

  // Reorder by keyboard and back with the buttons: the order is what runs.
  await page.getByRole('button', { name: 'Move get_order up' }).click();
  await expect(page.getByTestId('step-row-1')).toHaveAttribute('data-name', 'get_order');
  await page.getByRole('button', { name: 'Move get_order down' }).click();
  await expect(page.getByTestId('step-row-2')).toHaveAttribute('data-name', 'get_order');
  const handle = page.getByRole('button', { name: 'Reorder create_order' });
  await handle.focus();
  // dnd-kit's keyboard sensor: Space picks up, arrows move, Space drops.
  for (const key of ['Space', 'ArrowDown', 'Space']) {
    await page.keyboard.press(key);
    await page.waitForTimeout(250);
  }
  await expect(page.getByTestId('step-row-2')).toHaveAttribute('data-name', 'create_order');
  await page.getByRole('button', { name: 'Move create_order up' }).click();
  await expect(page.getByTestId('step-row-1')).toHaveAttribute('data-name', 'create_order');

  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByText('saved', { exact: true })).toBeVisible();
  await page.getByRole('button', { name: 'Run' }).click();
  const live = page.getByTestId('live-run');
  await expect(live).toHaveAttribute('data-status', 'passed', { timeout: 30_000 });
  for (const name of ['login', 'create_order', 'get_order']) {
    await expect(live.getByTestId(`step-result-${name}`)).toHaveAttribute('data-status', 'passed');
  }
  await page.getByTestId('step-row-0').click();
  await shot('editor', { fullPage: true });
});

test('break an assertion and see expected vs actual', async () => {
  await page.getByTestId('step-row-2').getByText('get_order').click();
  const editor = page.getByTestId('step-editor');
  await editor.getByRole('tab', { name: /Assertions/ }).click();
  await editor.getByRole('button', { name: 'Add assertion' }).click();
  await selectOption('Assertion 2 source', 'JSON body', editor);
  await editor.getByLabel('Assertion 2 json path').fill('status');
  await selectOption('Assertion 2 comparison', /^equals$/, editor);
  await editor.getByLabel('Assertion 2 target').fill('shipped');
  await page.getByRole('button', { name: 'Run' }).click();
  const live = page.getByTestId('live-run');
  await expect(live).toHaveAttribute('data-status', 'failed', { timeout: 30_000 });
  const step = live.getByTestId('step-result-get_order');
  await expect(step).toHaveAttribute('data-status', 'failed');
  const failedRow = step.locator('tr[data-passed="false"]');
  await expect(failedRow.getByTestId('expected')).toHaveText('shipped');
  await expect(failedRow.getByTestId('actual')).toHaveText('confirmed');

  await live.getByRole('link', { name: 'Open the run' }).click();
  await expect(page.getByRole('heading', { name: /Run #/ })).toBeVisible();
  await shot('run', { fullPage: true });
  await page.getByRole('link', { name: 'Compare with last passing run' }).click();
  await expect(page.getByTestId('compare-step-get_order')).toBeVisible();
  await expect(page.getByTestId('compare-step-get_order').locator('[data-differs]').first()).toBeVisible();
  await shot('compare', { fullPage: true });
});

test('a monitor with a Slack channel: runs arrive in history, the alert reaches the stand-in', async () => {
  test.setTimeout(180_000);
  await page.getByRole('link', { name: 'Alert channels' }).click();
  await page.getByRole('button', { name: 'New channel' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Name').fill('ops slack');
  await dialog.getByLabel('Incoming webhook URL').fill(`${SLACK()}/services/T000/B000/XXXX`);
  await dialog.getByRole('button', { name: 'Create channel' }).click();
  const card = page.getByTestId('channel-card').filter({ hasText: 'ops slack' });
  await expect(card).toBeVisible();
  await card.getByRole('button', { name: 'Send test alert' }).click();
  await expect(card.getByTestId('test-result')).toContainText('Test delivered', { timeout: 20_000 });
  await expect.poll(async () => (await slackReceived()).length, { timeout: 20_000 }).toBeGreaterThan(0);
  await shot('channels');
  // A second channel whose webhook was deleted on Slack's side.
  await page.getByRole('button', { name: 'New channel' }).click();
  await dialog.getByLabel('Name').fill('revoked slack');
  await dialog.getByLabel('Incoming webhook URL').fill(`${SLACK()}/services/revoked/B000/YYYY`);
  await dialog.getByRole('button', { name: 'Create channel' }).click();
  await expect(page.getByTestId('channel-card').filter({ hasText: 'revoked slack' })).toBeVisible();

  await page.getByRole('link', { name: 'Monitors' }).click();
  await page.getByRole('link', { name: 'New monitor' }).click();
  await page.getByLabel('Name').first().fill('checkout every 10s');
  const expr = page.getByLabel('Schedule expression');
  await expr.fill('0 9 * * 1-5');
  await expect(page.getByTestId('schedule-description')).toContainText('At 09:00, Monday through Friday');
  await expect(page.getByTestId('schedule-next').getByRole('listitem')).toHaveCount(5);
  await expr.fill('every 10s');
  await expect(page.getByTestId('schedule-description')).toHaveText('Every 10 seconds');
  await page.getByRole('textbox', { name: 'Collections' }).click();
  await page.getByRole('option', { name: 'demo checkout' }).click();
  await page.keyboard.press('Escape');
  await page.getByRole('textbox', { name: 'Alert channels' }).click();
  await page.getByRole('option', { name: /ops slack/ }).click();
  await page.getByRole('option', { name: /revoked slack/ }).click();
  await page.keyboard.press('Escape');
  await page.getByLabel('Alert after failures in a row').fill('1');
  await shot('monitor-form', { fullPage: true });
  const before = (await slackReceived()).length;
  await page.getByRole('button', { name: 'Create monitor' }).click();
  await expect(page.getByRole('heading', { name: 'Monitors', exact: true })).toBeVisible();
  await expect(page.getByTestId('monitor-row').filter({ hasText: 'checkout every 10s' })).toBeVisible();

  // Scheduled runs arrive in the history, filtered by the monitor.
  await page.getByRole('link', { name: 'History' }).click();
  await selectOption('Monitor', 'checkout every 10s');
  await expect
    .poll(
      async () => {
        await page.reload();
        // Wait for the list (or its empty state) before counting rows.
        await expect(page.getByTestId('runs-table').or(page.getByText('No run matches these filters'))).toBeVisible();
        return page.getByTestId('run-row').count();
      },
      { timeout: 90_000, intervals: [3000] },
    )
    .toBeGreaterThan(0);
  await shot('history');

  // The collection still fails (the broken assertion): the alert reaches the stand-in.
  await expect.poll(async () => (await slackReceived()).length, { timeout: 90_000, intervals: [2000] }).toBeGreaterThan(before);
  const alert = (await slackReceived()).at(-1);
  expect(alert?.path).toBe('/services/T000/B000/XXXX');
  expect(alert?.body).toContain('demo checkout');

  await page.getByRole('link', { name: 'Incidents' }).click();
  await expect(page.getByTestId('incident').first()).toBeVisible({ timeout: 30_000 });
  await shot('incidents');
  // The deliveries tab lists every channel's deliveries without picking one.
  await page.getByRole('tab', { name: 'Deliveries' }).click();
  await expect(page.getByRole('textbox', { name: 'Channel' })).toHaveValue('All channels');
  await expect(page.getByRole('tabpanel', { name: 'Deliveries' }).getByText('ops slack (slack)').first()).toBeVisible({ timeout: 30_000 });
  await page.getByRole('link', { name: 'Dashboard' }).click();
  await expect(page.getByTestId('monitor-card').first()).toBeVisible();
  // The locations panel names where the monitor runs.
  await expect(page.getByTestId('locations-panel').getByTestId('location').filter({ hasText: 'local' })).toBeVisible();
  // The revoked channel's permanent failure flags it on the channels page.
  await page.getByRole('link', { name: 'Alert channels' }).click();
  await expect(page.getByTestId('channel-card').filter({ hasText: 'revoked slack' }).getByTestId('channel-failing')).toContainText(/failing: .*no_service/, { timeout: 30_000 });
  await expect(page.getByTestId('channel-card').filter({ hasText: 'ops slack' }).getByTestId('channel-failing')).toHaveCount(0);
  await page.getByRole('link', { name: 'Dashboard' }).click();
  await expect(page.getByTestId('monitor-card').first()).toBeVisible();
  await shot('dashboard');
  // Dark mode follows the system.
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.reload();
  await expect(page.locator('html')).toHaveAttribute('data-mantine-color-scheme', 'dark');
  await expect(page.getByTestId('monitor-card').first()).toBeVisible();
  await shot('dashboard-dark');
  await page.emulateMedia({ colorScheme: 'light' });
  await page.reload();
  await expect(page.locator('html')).toHaveAttribute('data-mantine-color-scheme', 'light');
  await page.setViewportSize({ width: 390, height: 844 });
  await expect(page.getByRole('button', { name: 'Toggle navigation' })).toBeVisible();
  await shot('dashboard-phone');
  await page.setViewportSize({ width: 1280, height: 860 });
});

test('import a Postman collection', async () => {
  await page.getByRole('link', { name: 'Import' }).click();
  const postman = {
    info: { _postman_id: 'e2e', name: 'postman demo', schema: 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json' },
    variable: [{ key: 'base', value: DEMO() }],
    item: [
      {
        name: 'login',
        event: [{ listen: 'test', script: { exec: ['pm.test("ok", () => pm.response.to.have.status(200));'] } }],
        request: {
          method: 'POST',
          header: [{ key: 'Content-Type', value: 'application/json' }],
          url: '{{base}}/login',
          body: { mode: 'raw', raw: '{"user": "demo", "password": "demo-password"}' },
        },
      },
      { name: 'me', request: { method: 'GET', url: '{{base}}/me', header: [{ key: 'Authorization', value: 'Bearer {{token}}' }] } },
    ],
  };
  // Drag and drop: a real drop event carrying the file onto the drop zone.
  const dataTransfer = await page.evaluateHandle((text) => {
    const dt = new DataTransfer();
    dt.items.add(new File([text], 'postman.json', { type: 'application/json' }));
    return dt;
  }, JSON.stringify(postman));
  const zone = page.getByTestId('import-dropzone');
  await zone.dispatchEvent('dragenter', { dataTransfer });
  await zone.dispatchEvent('dragover', { dataTransfer });
  await zone.dispatchEvent('drop', { dataTransfer });
  await expect(page.getByTestId('import-text')).toHaveValue(/postman demo/);
  await expect(page.getByTestId('import-format')).toHaveValue('Postman collection');
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  const done = page.getByTestId('import-result');
  await expect(done).toContainText('Imported “postman demo” with 2 steps');
  await expect(page.getByTestId('import-warnings')).toBeVisible();
  await shot('import', { fullPage: true });
  await done.getByRole('link', { name: 'Open the collection' }).click();
  await expect(page.getByLabel('Collection name')).toHaveValue('postman demo');
  await page.getByRole('link', { name: 'Collections' }).first().click();
  await expect(page.getByRole('link', { name: 'postman demo' })).toBeVisible();
  await shot('collections');
});

test('API tokens and users (admin)', async () => {
  await page.getByRole('link', { name: 'API tokens' }).click();
  await page.getByLabel('Name').fill('ci-pipeline');
  await page.getByRole('button', { name: 'Create token' }).click();
  await expect(page.getByTestId('new-token')).toHaveText(/\S{20,}/);
  const token = (await page.getByTestId('new-token').textContent()) ?? '';
  // The token works as a bearer credential on /graphql.
  const r = await fetch(`${BASE()}/graphql`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: '{ me { email } }' }),
  });
  expect(await r.json()).toEqual({ data: { me: { email: env('CATENA_E2E_EMAIL') } } });
  await shot('tokens');

  await page.getByRole('link', { name: 'Users' }).click();
  await page.getByRole('button', { name: 'Add user' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Name').fill('Dana Viewer');
  await dialog.getByLabel('Email').fill('dana@example.test');
  await dialog.getByLabel('Initial password').fill('short');
  await dialog.getByRole('button', { name: 'Create user' }).click();
  // The server's complaint appears next to the password field.
  await expect(dialog.getByText(/password/i).and(dialog.locator('.mantine-InputWrapper-error'))).toBeVisible();
  await dialog.getByLabel('Initial password').fill('a-much-longer-password');
  await dialog.getByRole('button', { name: 'Create user' }).click();
  await expect(page.getByRole('cell', { name: 'dana@example.test' })).toBeVisible();
  await shot('users');
});
