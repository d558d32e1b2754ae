// Environments (issue 17 item 2): pick an environment in the editor and run;
// the target receives that environment's values, the run page and the history
// say which environment the run used, and the environment's secret, set in
// the GUI, is never shown.
import { expect, test } from '@playwright/test';

const env = (k: string): string => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} is not set: run through the Playwright config (global-setup starts the servers)`);
  return v;
};

const SECRET = 'Zq9Xv7Kp-staging-token';

test('switch environment in the editor, run, and see the run used it', async ({ page }) => {
  const base = env('CATENA_E2E_URL');
  // The recording stand-in: every POST it receives is listed at GET /received.
  const target = env('CATENA_E2E_SLACK');
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
  const tag = `env-e2e-${Date.now()}`;
  const doc = `name: stages ${tag}
variables: {target: "${target}", stage: local}
environments:
  staging:
    variables: {stage: staging}
  prod:
    variables: {stage: prod}
steps:
  - name: report
    method: POST
    url: "@<<vars.target>>/${tag}/@<<vars.stage>>"
    headers: {Content-Type: application/json, X-Token: "@<<secrets.token>>"}
    body: '{"stage": "@<<vars.stage>>"}'
    assertions:
      - {source: status, comparison: equals, target: "200"}
`;
  const imported = await gql<{ importCollection: { collection: { id: string } } }>(
    `mutation($d: String!) { importCollection(format: CATENA, document: $d) { collection { id } } }`,
    { d: doc },
  );
  const id = imported.importCollection.collection.id;
  // The collection's own token, for runs without an environment.
  await gql(`mutation($id: ID!) { setSecret(collectionId: $id, name: "token", value: "collection-token") { id } }`, { id });

  await page.goto(`/collections/${id}`);
  // The staging secret is set in the Environments tab, and never shown back.
  await page.getByRole('tab', { name: /Environments/ }).click();
  const staging = page.getByTestId('environment-staging');
  await expect(staging.getByLabel('Variables of staging')).toHaveValue('stage=staging');
  await staging.getByLabel('Secret name for staging').fill('token');
  await staging.getByLabel('Secret value for staging').fill(SECRET);
  await staging.getByRole('button', { name: 'Set secret' }).click();
  await expect(staging.getByText('•••• set')).toBeVisible();
  await expect(page.getByTestId('environments-panel')).not.toContainText(SECRET);

  // Pick staging and run.
  await page.getByRole('textbox', { name: 'Environment', exact: true }).click();
  await page.getByRole('option', { name: 'staging', exact: true }).click();
  await page.getByRole('button', { name: 'Run', exact: true }).click();

  // The target received the staging value, in the path and the body.
  await expect
    .poll(async () => {
      const r = await page.request.get(`${target}/received`);
      const got = (await r.json()) as Array<{ path: string; body: string }>;
      return got.filter((x) => x.path.startsWith(`/${tag}/`)).map((x) => `${x.path} ${x.body}`);
    })
    .toEqual([`/${tag}/staging {"stage": "staging"}`]);

  const runs = await gql<{ runs: { edges: Array<{ node: { id: string; status: string } }> } }>(
    `query($c: ID) { runs(collectionId: $c, first: 1) { edges { node { id status } } } }`,
    { c: id },
  );
  const runId = runs.runs.edges[0].node.id;
  await page.goto(`/runs/${runId}`);
  await expect(page.getByTestId('run-environment')).toHaveText('staging');
  await expect(page.locator('[data-status="passed"]').first()).toBeVisible();
  await expect(page.locator('body')).not.toContainText(SECRET);

  // History marks the run with its environment.
  await page.goto(`/runs?collection=${id}`);
  await expect(page.getByTestId('run-row-environment').first()).toHaveText('staging');
});
