// Bringing collections people already have, through the GUI: a HAR recorded
// in Chromium from the demo API (Playwright's recordHar) is dropped on the
// import page and becomes a chain whose later requests reuse the login token;
// curl command lines pasted in the text area are detected and imported, with
// their warnings grouped by command. CATENA_E2E_UPDATE_HAR=1 copies the fresh
// recording over internal/collection/har/testdata/chromium_demo.har (the Go
// golden test's input).
import { expect, test, type Page } from '@playwright/test';
import { copyFileSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const env = (k: string): string => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} is not set: run through the Playwright config (global-setup starts the servers)`);
  return v;
};
const committedHAR = resolve(dirname(fileURLToPath(import.meta.url)), '../../internal/collection/har/testdata/chromium_demo.har');

async function signIn(page: Page) {
  await page.goto('/signin');
  await page.getByLabel('Email').fill(env('CATENA_E2E_EMAIL'));
  await page.getByLabel('Password').fill(env('CATENA_E2E_PASSWORD'));
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: 'Dashboard', exact: true })).toBeVisible();
}

async function drop(page: Page, name: string, text: string) {
  const dataTransfer = await page.evaluateHandle(([t, n]) => {
    const dt = new DataTransfer();
    dt.items.add(new File([t], n, { type: 'application/json' }));
    return dt;
  }, [text, name] as const);
  const zone = page.getByTestId('import-dropzone');
  await zone.dispatchEvent('dragenter', { dataTransfer });
  await zone.dispatchEvent('dragover', { dataTransfer });
  await zone.dispatchEvent('drop', { dataTransfer });
}

test('a HAR recorded in Chromium from the demo API imports as a chain', async ({ browser, page }, info) => {
  // Record: the demo API used from a page, as a person's browser would.
  const harPath = info.outputPath('demo.har');
  const rec = await browser.newContext({ recordHar: { path: harPath, content: 'embed', urlFilter: /127\.0\.0\.1/ } });
  const tab = await rec.newPage();
  await tab.goto(env('CATENA_E2E_DEMO') + '/');
  const created = await tab.evaluate(async () => {
    const json = { 'Content-Type': 'application/json' };
    const login = (await (await fetch('/login', { method: 'POST', headers: json, body: JSON.stringify({ user: 'demo', password: 'demo-password' }) })).json()) as { token: string };
    const auth = { Authorization: `Bearer ${login.token}` };
    await fetch('/me', { headers: auth });
    const order = (await (await fetch('/orders', { method: 'POST', headers: { ...json, ...auth }, body: JSON.stringify({ items: [{ sku: 'tea-1', name: 'Tea', quantity: 2, unit_price: 3.5 }] }) })).json()) as { id: string };
    await fetch(`/orders/${order.id}`, { headers: auth });
    return order.id;
  });
  expect(created).not.toBe('');
  await rec.close();
  const har = readFileSync(harPath, 'utf8');
  expect(har).toContain('/orders/' + created);
  if (process.env.CATENA_E2E_UPDATE_HAR) copyFileSync(harPath, committedHAR);

  // Import it through the GUI: drop, detected as HAR, named, imported.
  await signIn(page);
  await page.getByRole('link', { name: 'Import' }).click();
  await drop(page, 'demo.har', har);
  await expect(page.getByTestId('import-format')).toHaveValue('HAR (browser recording)');
  await page.getByTestId('import-name').fill('demo recording');
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  const done = page.getByTestId('import-result');
  await expect(done).toContainText('Imported “demo recording” with 5 steps');

  // The token and the order id became references to earlier responses.
  await done.getByRole('link', { name: 'Open the collection' }).click();
  await expect(page.getByLabel('Collection name')).toHaveValue('demo recording');
  const id = page.url().split('/collections/')[1];
  const exported = await page.evaluate(async (cid) => {
    const r = await fetch('/graphql', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ query: 'query($id: ID!) { exportCollection(id: $id) }', variables: { id: cid } }) });
    return ((await r.json()) as { data: { exportCollection: string } }).data.exportCollection;
  }, id);
  expect(exported).toMatch(/Authorization: Bearer @<<\w+\.body\.token>>/);
  expect(exported).toMatch(/\/orders\/@<<\w+\.body\.id>>/);
});

test('curl command lines pasted in the text area, warnings grouped by command', async ({ page }) => {
  await signIn(page);
  await page.getByRole('link', { name: 'Import' }).click();
  const demo = env('CATENA_E2E_DEMO');
  await page
    .getByTestId('import-text')
    .fill(`curl -X POST ${demo}/login -H 'Content-Type: application/json' -d '{"user":"demo","password":"demo-password"}' --frobnicate\ncurl ${demo}/me --compressed-ssh`);
  await expect(page.getByTestId('import-format')).toHaveValue('curl command lines');
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  await expect(page.getByTestId('import-result')).toContainText('with 2 steps');
  const groups = page.getByTestId('import-warning-group');
  await expect(groups.first()).toContainText('curl command 1');
  await expect(groups.filter({ hasText: 'curl command 2' })).toHaveCount(1);
});
