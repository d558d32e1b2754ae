import { defineConfig } from '@playwright/test';

// End-to-end tests against a real `catena serve` on Postgres and the demo API,
// both started by global-setup.ts. The browser is Debian's Chromium
// (/usr/bin/chromium, installed by `make e2e` when missing); Playwright never
// downloads one.
export default defineConfig({
  testDir: '.',
  testMatch: '*.spec.ts',
  globalSetup: './global-setup.ts',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 120_000,
  expect: { timeout: 15_000 },
  reporter: [['list']],
  outputDir: '../test-results',
  // Golden images (toHaveScreenshot) live beside the specs, one per name, taken
  // in Debian's Chromium at 1×; `npm run e2e -- --update-snapshots` renews them.
  snapshotPathTemplate: '{testDir}/golden/{arg}{ext}',
  use: {
    baseURL: process.env.CATENA_E2E_URL,
    viewport: { width: 1280, height: 860 },
    trace: 'retain-on-failure',
    actionTimeout: 15_000,
    navigationTimeout: 15_000,
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'],
    },
  },
});
