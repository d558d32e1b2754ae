// Versions as a person uses them: edit a collection twice, open its history,
// read the diff of the older version against the current one, restore it and
// find it back in the editor; then the run page links the version it ran and
// the audit log (admins) lists the changes.
import { expect, test, type Page } from '@playwright/test';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const shots = resolve(dirname(fileURLToPath(import.meta.url)), '../../docs/screenshots');

const env = (k: string): string => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} is not set: run through the Playwright config (global-setup starts the servers)`);
  return v;
};
const BASE = () => env('CATENA_E2E_URL');

test.describe.configure({ mode: 'serial' });

let page: Page;

test.beforeAll(async ({ browser }) => {
  page = await browser.newPage({ baseURL: BASE(), viewport: { width: 1280, height: 860 } });
  await page.goto('/signin');
  await page.getByLabel('Email').fill(env('CATENA_E2E_EMAIL'));
  await page.getByLabel('Password').fill(env('CATENA_E2E_PASSWORD'));
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: 'Dashboard', exact: true })).toBeVisible();
});

test.afterAll(async () => {
  await page.close();
});

async function save() {
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(page.getByText('saved', { exact: true })).toBeVisible();
}

test('edit a collection twice, see the diff in its history, restore the older version', async () => {
  await page.goto('/collections');
  await page.getByRole('button', { name: 'New collection' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Name').fill('versioned');
  await dialog.getByRole('button', { name: 'Create', exact: true }).click();
  await expect(page.getByLabel('Collection name')).toHaveValue('versioned');

  // First edit: a step.
  await page.getByRole('button', { name: 'Add step' }).click();
  const editor = page.getByTestId('step-editor');
  await editor.getByLabel('Step name').fill('health');
  const url = editor.getByTestId('step-url');
  await url.fill('http://127.0.0.1:1/first');
  await save();
  // Second edit: its URL.
  await url.fill('http://127.0.0.1:1/second');
  await save();

  await page.getByRole('tab', { name: /History/ }).click();
  const history = page.getByTestId('history');
  await expect(history.getByTestId('version-3')).toContainText('step \'health\' changed');
  await expect(history.getByTestId('version-2')).toContainText('step \'health\' added');
  await expect(history.getByTestId('version-1')).toContainText('created');
  await expect(history.getByTestId('version-3')).toContainText(env('CATENA_E2E_EMAIL'));

  await history.getByRole('button', { name: 'Version 2', exact: true }).click();
  const diff = history.getByTestId('version-diff');
  await expect(diff.locator('[data-kind="del"]')).toContainText(['url: http://127.0.0.1:1/first']);
  await expect(diff.locator('[data-kind="add"]')).toContainText(['url: http://127.0.0.1:1/second']);
  await page.screenshot({ path: join(shots, 'versions-history.png'), style: '.mantine-Notifications-root { display: none !important; }' });

  await history.getByRole('button', { name: 'Restore this version' }).click();
  await expect(history.getByTestId('version-4')).toContainText('restored version 2');
  await expect(page.getByRole('tab', { name: 'History (v4)' })).toBeVisible();
  await history.getByRole('button', { name: 'Version 2', exact: true }).click();
  await expect(history.getByTestId('version-diff')).toHaveAttribute('data-empty', 'true');

  await page.getByRole('tab', { name: /Steps/ }).click();
  await expect(page.getByTestId('step-editor').getByTestId('step-url')).toHaveValue('http://127.0.0.1:1/first');
  await expect(page.getByText('saved', { exact: true })).toBeVisible();
});

test('a run links the version it ran, and the audit log lists the changes', async () => {
  await page.getByRole('button', { name: 'Run' }).click();
  await expect(page.getByTestId('live-run')).toHaveAttribute('data-status', /failed|errored/, { timeout: 30_000 });
  await page.getByRole('link', { name: 'Open the run' }).click();
  const link = page.getByTestId('run-collection-version');
  await expect(link).toHaveText('v4');
  await link.click();
  await expect(page.getByTestId('history').getByRole('heading', { name: 'Version 4' })).toBeVisible();

  await page.goto('/settings/audit');
  const log = page.getByTestId('audit-log');
  await expect(log).toContainText('restoreCollectionVersion');
  await expect(log).toContainText('replaceCollection');
  await expect(log).toContainText('login');
});
