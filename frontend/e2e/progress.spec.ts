// Live progress (issue 16 item 5): while a run is in progress, a finished step
// shows its request line, status and latency, and a polling step shows which
// attempt it is on; the final error says it gave up after 5 attempts.
import { expect, test } from '@playwright/test';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const shots = resolve(dirname(fileURLToPath(import.meta.url)), '../../docs/screenshots');

const env = (k: string): string => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} is not set: run through the Playwright config (global-setup starts the servers)`);
  return v;
};

test('item 5: a slow run streams request lines, statuses and the polling attempt', async ({ page }) => {
  const base = env('CATENA_E2E_URL');
  const demo = env('CATENA_E2E_DEMO');
  await page.goto('/signin');
  await page.getByLabel('Email').fill(env('CATENA_E2E_EMAIL'));
  await page.getByLabel('Password').fill(env('CATENA_E2E_PASSWORD'));
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: 'Dashboard', exact: true })).toBeVisible();

  const gql = async <T>(query: string, variables: Record<string, unknown>): Promise<T> => {
    const r = await page.request.post(`${base}/graphql`, { data: { query, variables }, headers: { Origin: base } });
    const body = (await r.json()) as { data?: T; errors?: Array<{ message: string }> };
    if (body.errors?.length) throw new Error(body.errors.map((e) => e.message).join('; '));
    return body.data as T;
  };
  // The job never becomes ready, so the polling step tries 5 times, 1 s apart.
  const job = `${demo}/jobs/e2e-${Date.now()}?ready_after=1000`;
  const c = await gql<{ createCollection: { id: string } }>(
    `mutation($slow: String!, $job: String!) { createCollection(input: {name: "live progress", steps: [
      {name: "slow_hello", method: "GET", url: $slow, timeoutMs: 5000, assertions: [{source: STATUS, comparison: EQUALS, target: "200"}]},
      {name: "poll_job", method: "GET", url: $job, timeoutMs: 3000, retry: {attempts: 5, intervalMs: 1000},
       assertions: [{source: BODY, property: "state", comparison: EQUALS, target: "ready"}]}
    ]}) { id } }`,
    { slow: `${demo}/slow?ms=300`, job },
  );
  const run = await gql<{ runCollection: { id: string } }>(`mutation($id: ID!) { runCollection(id: $id) { id } }`, { id: c.createCollection.id });
  await page.goto(`/runs/${run.runCollection.id}`);

  const slow = page.getByTestId('step-result-slow_hello');
  const poll = page.getByTestId('step-result-poll_job');
  // While the polling step runs, the finished step already shows its details.
  await expect(poll).toHaveAttribute('data-status', 'running');
  await expect(slow).toHaveAttribute('data-status', 'passed');
  await expect(slow.getByTestId('step-request-line')).toHaveText(`GET ${demo}/slow?ms=300`);
  await expect(slow.getByTestId('step-http-status')).toHaveText('200');
  await expect(slow).not.toContainText('< 1 ms');
  await expect(slow).toContainText(/\d+ ms/);
  await expect(poll.getByTestId('step-request-line')).toHaveText(`GET ${job}`);
  await expect(poll.getByTestId('step-http-status')).toHaveText('200');
  // The attempt counter advances while the step polls.
  await expect(poll.getByTestId('step-attempt')).toHaveText('attempt 2 · retrying');
  await expect(poll).toHaveAttribute('data-status', 'running');
  await expect(poll.getByTestId('step-attempt')).toHaveText('attempt 3 · retrying');
  await page.screenshot({ path: join(shots, 'live-progress.png'), style: '.mantine-Notifications-root { display: none !important; }' });

  await expect(poll).toHaveAttribute('data-status', 'failed', { timeout: 20_000 });
  await expect(poll.getByTestId('step-attempt')).toHaveText('5 attempts');
  await expect(poll.getByRole('alert')).toContainText(/gave up after 5 attempts over \d+\.\d s: assertion failed: body state equals/);
});
