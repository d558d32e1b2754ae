// Status pages (issue 17, item 6): an admin publishes a page of chosen
// monitors in the GUI, and a browser that never signed in opens /status/SLUG
// and sees the monitor under its public name, its state and its uptime.
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
const DEMO = () => env('CATENA_E2E_DEMO');

async function gql<T>(page: Page, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const r = await page.request.post(`${BASE()}/graphql`, { data: { query, variables }, headers: { Origin: BASE() } });
  const body = (await r.json()) as { data?: T; errors?: Array<{ message: string }> };
  if (body.errors?.length) throw new Error(`${query}: ${body.errors.map((e) => e.message).join('; ')}`);
  return body.data as T;
}

test('an admin publishes a status page; signed out, it shows the monitor and its uptime', async ({ browser }) => {
  const admin = await browser.newPage({ baseURL: BASE() });
  await admin.goto('/signin');
  await admin.getByLabel('Email').fill(env('CATENA_E2E_EMAIL'));
  await admin.getByLabel('Password').fill(env('CATENA_E2E_PASSWORD'));
  await admin.getByRole('button', { name: 'Sign in' }).click();
  await expect(admin.getByRole('heading', { name: 'Dashboard', exact: true })).toBeVisible();

  // A monitor of the demo API's health with one finished, passing run.
  const c = await gql<{ createCollection: { id: string } }>(
    admin,
    `mutation($u: String!) { createCollection(input: {name: "status e2e health", steps: [{name: "get_health", method: "GET", url: $u, timeoutMs: 3000}]}) { id } }`,
    { u: `${DEMO()}/health` },
  );
  const m = await gql<{ createMonitor: { id: string } }>(
    admin,
    `mutation($c: ID!) { createMonitor(input: {name: "status-e2e-internal", schedule: "every 1h", collectionIds: [$c]}) { id } }`,
    { c: c.createCollection.id },
  );
  const runs = await gql<{ runMonitorNow: Array<{ id: string }> }>(admin, `mutation($id: ID!) { runMonitorNow(id: $id) { id } }`, { id: m.createMonitor.id });
  await expect
    .poll(async () => (await gql<{ run: { status: string } }>(admin, `query($id: ID!) { run(id: $id) { status } }`, { id: runs.runMonitorNow[0].id })).run.status, { timeout: 60_000 })
    .toBe('PASSED');

  // Publish it in the GUI.
  await admin.getByRole('link', { name: 'Status pages' }).click();
  await admin.getByRole('link', { name: 'New status page' }).click();
  await admin.getByLabel('Title').fill('E2E Shop Status');
  await expect(admin.getByLabel('Address')).toHaveValue('e2e-shop-status');
  await admin.getByRole('textbox', { name: 'Monitors' }).click();
  await admin.getByRole('option', { name: 'status-e2e-internal' }).click();
  await admin.keyboard.press('Escape');
  await admin.getByLabel('Public name for status-e2e-internal').fill('Shop API');
  await admin.getByRole('button', { name: 'Publish status page' }).click();
  const row = admin.getByTestId('status-page-row').filter({ hasText: 'E2E Shop Status' });
  await expect(row).toBeVisible();
  await expect(row.getByRole('link', { name: /\/status\/e2e-shop-status/ })).toBeVisible();

  // The monitor's page offers a public badge, off until turned on.
  await admin.goto(`/monitors/${m.createMonitor.id}`);
  const panel = admin.getByTestId('badge-panel');
  await expect(panel.getByLabel('Public badge')).not.toBeChecked();
  await panel.getByLabel('Public badge').focus();
  await admin.keyboard.press('Space');
  await expect(panel.getByLabel('Public badge')).toBeChecked();
  await expect(panel.getByTestId('badge-markdown-status')).toContainText(/\/badge\/[a-z2-7]{26}\.svg\)/);

  // A browser that never signed in.
  const stranger = await browser.newContext({ baseURL: BASE() });
  const pub = await stranger.newPage();
  const res = await pub.goto('/status/e2e-shop-status');
  expect(res?.status()).toBe(200);
  expect(res?.headers()['cache-control']).toBe('public, max-age=30');
  await expect(pub.getByRole('heading', { name: 'E2E Shop Status' })).toBeVisible();
  await expect(pub.getByText('All systems operational')).toBeVisible();
  const monitor = pub.getByRole('listitem').filter({ hasText: 'Shop API' });
  await expect(monitor).toContainText('Operational');
  await expect(monitor).toContainText('100% uptime');
  await expect(monitor.getByRole('img', { name: 'Shop API: 100% uptime over the last 90 days' })).toBeVisible();
  await expect(pub.locator('body')).not.toContainText('status-e2e-internal');
  await expect(pub.locator('body')).not.toContainText(DEMO());
  await pub.screenshot({ path: join(shots, 'status-page.png'), fullPage: true });

  const badge = await pub.request.get((await panel.getByTestId('badge-markdown-status').innerText()).replace(/^.*\((.*)\)$/, '$1'));
  expect(badge.status()).toBe(200);
  expect(badge.headers()['content-type']).toBe('image/svg+xml');
  expect(await badge.text()).toContain('status: operational');

  expect((await pub.goto('/status/no-such-page'))?.status()).toBe(404);
  await expect(pub.getByRole('heading', { name: 'Status page not found' })).toBeVisible();
  await stranger.close();
  await admin.close();
});
