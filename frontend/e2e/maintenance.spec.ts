// Maintenance windows as a person uses them (issue 17): a failing monitor
// alerting a webhook gets a window made in the GUI; inside it runs keep being
// recorded (marked quiet) and the webhook hears nothing; once the window is
// gone, the next failure sends one message summarising what was held back.
// Then the mute link that message carries, and the dashboard's badge.
import { expect, test, type Page } from '@playwright/test';
import { randomBytes } from 'node:crypto';

const env = (k: string): string => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} is not set: run through the Playwright config (global-setup starts the servers)`);
  return v;
};
const BASE = () => env('CATENA_E2E_URL');
const DEMO = () => env('CATENA_E2E_DEMO');
const STANDIN = () => env('CATENA_E2E_SLACK');

test.describe.configure({ mode: 'serial' });

let page: Page;
let monitorID = '';
// The webhook's own path on the shared stand-in, so other specs' alerts never count here.
const hookPath = `/hooks/maintenance-${randomBytes(4).toString('hex')}`;

async function gql<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const r = await page.request.post(`${BASE()}/graphql`, { data: { query, variables }, headers: { Origin: BASE() } });
  const body = (await r.json()) as { data?: T; errors?: Array<{ message: string }> };
  if (body.errors?.length) throw new Error(`${query}: ${body.errors.map((e) => e.message).join('; ')}`);
  return body.data as T;
}

async function hookReceived(): Promise<Array<{ path: string; body: string }>> {
  const r = await fetch(`${STANDIN()}/received`);
  return ((await r.json()) as Array<{ path: string; body: string }>).filter((x) => x.path === hookPath);
}

type RunNode = { status: string; quiet: string | null };

async function monitorRuns(): Promise<RunNode[]> {
  const d = await gql<{ runs: { edges: Array<{ node: RunNode }> } }>(`query($m: ID) { runs(monitorId: $m, first: 50) { edges { node { status quiet } } } }`, { m: monitorID });
  return d.runs.edges.map((e) => e.node);
}

/** Runs the monitor now and waits until n of its runs have failed. */
async function runAndWait(n: number) {
  await gql(`mutation($id: ID!) { runMonitorNow(id: $id) { id } }`, { id: monitorID });
  await expect.poll(async () => (await monitorRuns()).filter((r) => r.status === 'FAILED').length, { timeout: 20_000 }).toBe(n);
}

/** A datetime-local value in the browser's zone. */
function localInput(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

test.beforeAll(async ({ browser }) => {
  page = await browser.newPage({ baseURL: BASE(), viewport: { width: 1280, height: 860 } });
  await page.goto('/signin');
  await page.getByLabel('Email').fill(env('CATENA_E2E_EMAIL'));
  await page.getByLabel('Password').fill(env('CATENA_E2E_PASSWORD'));
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: 'Dashboard', exact: true })).toBeVisible();
  // A collection that always fails (the demo API's health is 200, not 418),
  // a webhook channel, and a paused monitor alerting it on the first failure:
  // its runs are started by hand, so the test waits for no schedule.
  const c = await gql<{ createCollection: { id: string } }>(
    `mutation($u: String!) { createCollection(input: {name: "maintained health", steps: [{name: "health", method: "GET", url: $u, timeoutMs: 3000,
      assertions: [{source: STATUS, comparison: EQUALS, target: "418"}]}]}) { id } }`,
    { u: `${DEMO()}/health` },
  );
  const ch = await gql<{ createAlertChannel: { id: string } }>(
    `mutation($u: String!) { createAlertChannel(input: {name: "maintenance hook", type: WEBHOOK, config: [{key: "url", value: $u}]}) { id } }`,
    { u: STANDIN() + hookPath },
  );
  const m = await gql<{ createMonitor: { id: string } }>(
    `mutation($c: ID!, $ch: ID!) { createMonitor(input: {name: "maintained monitor", schedule: "every 1h", enabled: false, collectionIds: [$c], channelIds: [$ch],
      policy: {failureThreshold: 1, recoveryEnabled: true, recoveryThreshold: 1, reminderIntervalMinutes: 0, erroredMode: AS_FAILURE, minFailedLocations: 1}}) { id } }`,
    { c: c.createCollection.id, ch: ch.createAlertChannel.id },
  );
  monitorID = m.createMonitor.id;
});

test.afterAll(async () => {
  await page.close();
});

test('a window created in the GUI keeps a failing monitor quiet while its runs are recorded', async () => {
  await page.getByRole('link', { name: 'Maintenance' }).click();
  await expect(page.getByRole('heading', { name: 'Maintenance', exact: true })).toBeVisible();
  const form = page.getByTestId('window-form');
  await form.getByLabel('Name').fill('database upgrade');
  await form.getByLabel('Starts').fill(localInput(new Date(Date.now() - 2 * 60_000)));
  await form.getByLabel('Ends').fill(localInput(new Date(Date.now() + 60 * 60_000)));
  await form.getByRole('textbox', { name: 'Monitors' }).click();
  await page.getByRole('option', { name: 'maintained monitor' }).click();
  await page.keyboard.press('Escape'); // close the list, which covers the button
  await form.getByRole('button', { name: 'Save window' }).click();
  const row = page.getByTestId('window-row').filter({ hasText: 'database upgrade' });
  await expect(row).toContainText('maintained monitor');
  await expect(row.getByTestId('window-active')).toBeVisible();

  // The dashboard says so.
  await page.getByRole('link', { name: 'Dashboard' }).click();
  const card = page.getByTestId('monitor-card').filter({ hasText: 'maintained monitor' });
  await expect(card.getByTestId('in-maintenance')).toBeVisible();

  // Two failing runs inside the window: recorded, marked quiet, nothing sent.
  await runAndWait(1);
  await runAndWait(2);
  for (const r of await monitorRuns()) expect(r.quiet).toBe('maintenance window "database upgrade"');
  await page.goto(`/runs?monitor=${monitorID}`);
  await expect(page.getByTestId('run-row')).toHaveCount(2);
  await expect(page.getByTestId('run-row').getByTestId('quiet-run')).toHaveCount(2);
  // Deliveries are enqueued in the run's own transaction: had the policy
  // decided to alert, the row would exist by now.
  const d = await gql<{ deliveries: Array<{ channel: { name: string } | null }> }>(`{ deliveries(first: 50) { channel { name } } }`);
  expect(d.deliveries.filter((x) => x.channel?.name === 'maintenance hook')).toHaveLength(0);
  expect(await hookReceived()).toHaveLength(0);
});

test('after the window, a persisting failure sends one summary with a mute link', async () => {
  await page.getByRole('link', { name: 'Maintenance' }).click();
  await page.getByTestId('window-row').filter({ hasText: 'database upgrade' }).getByRole('button', { name: 'Delete' }).click();
  await expect(page.getByTestId('window-row')).toHaveCount(0);
  await runAndWait(3);
  await expect.poll(async () => (await hookReceived()).length, { timeout: 20_000 }).toBe(1);
  const [msg] = await hookReceived();
  const payload = JSON.parse(msg.body) as { event: string; text: string };
  expect(payload.event).toBe('trigger');
  expect(payload.text).toContain('Held back during maintenance window "database upgrade": 2 failed run(s)');
  const link = /Mute for 2 h: (\S+)/.exec(payload.text)?.[1] ?? '';
  expect(link).toContain(`/maintenance?`);

  // The alert's link asks before muting; then the dashboard shows the mute.
  await page.goto(link.replace(BASE(), ''));
  const ask = page.getByTestId('mute-confirm');
  await expect(ask).toContainText('maintained monitor');
  await ask.getByRole('button', { name: 'Mute for 2 h' }).click();
  await expect(ask).toHaveCount(0);
  await expect(page.getByTestId('mutes')).toContainText('maintained monitor');
  await page.getByRole('link', { name: 'Dashboard' }).click();
  await expect(page.getByTestId('monitor-card').filter({ hasText: 'maintained monitor' }).getByTestId('muted')).toBeVisible();
  // And the monitor's page, which offers to unmute.
  await page.goto(`/monitors/${monitorID}`);
  const panel = page.getByTestId('monitor-maintenance');
  await expect(panel.getByTestId('muted')).toBeVisible();
  await panel.getByRole('button', { name: 'Unmute' }).click();
  await expect(panel.getByRole('button', { name: 'Mute for 2 h' })).toBeVisible();
  await expect(panel.getByTestId('muted')).toHaveCount(0);
});
