// Starts everything the end-to-end tests talk to, on free loopback ports, and
// tears it down afterwards: the catena binary built from this checkout, a fresh
// Postgres database, `catena demo-api`, `catena serve` (with a first admin and a
// generated secret key) and a Slack stand-in that records what it receives.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');
const work = join(repo, 'frontend', 'test-results', 'e2e-env');

export const ADMIN_EMAIL = 'admin@example.test';
export const ADMIN_PASSWORD = 'correct-horse-battery';

// freePorts holds n listeners open at once, so the ports it returns differ
// from each other (picked one at a time, the kernel may hand the same one out
// twice before anything binds it).
async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: n }, () =>
      new Promise<ReturnType<typeof createNetServer>>((ok, fail) => {
        const s = createNetServer();
        s.once('error', fail);
        s.listen(0, '127.0.0.1', () => ok(s));
      }),
    ),
  );
  const ports = servers.map((s) => {
    const addr = s.address();
    return typeof addr === 'object' && addr ? addr.port : 0;
  });
  await Promise.all(servers.map((s) => new Promise<void>((ok) => s.close(() => ok()))));
  return ports;
}

async function waitFor(url: string, what: string, proc: ChildProcess, deadlineMs: number): Promise<void> {
  const until = Date.now() + deadlineMs;
  let last = '';
  while (Date.now() < until) {
    if (proc.exitCode !== null) throw new Error(`${what} exited with code ${proc.exitCode}; see ${work}`);
    try {
      const r = await fetch(url);
      if (r.ok) return;
      last = `HTTP ${r.status}`;
    } catch (e) {
      last = e instanceof Error ? e.message : String(e);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what} did not answer at ${url} within ${deadlineMs} ms (${last}); logs in ${work}`);
}

function start(name: string, args: string[], env: Record<string, string>): ChildProcess {
  const log = createWriteStream(join(work, `${name}.log`));
  const p = spawn(join(work, 'catena'), args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  p.stdout?.pipe(log);
  p.stderr?.pipe(log);
  return p;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((ok) => {
    let b = '';
    req.on('data', (c: Buffer) => {
      if (b.length < 1 << 20) b += c.toString();
    });
    req.on('end', () => ok(b));
  });
}

export default async function globalSetup(): Promise<() => Promise<void>> {
  mkdirSync(work, { recursive: true });
  const build = spawnSync('go', ['build', '-o', join(work, 'catena'), './cmd/catena'], { cwd: repo, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('go build ./cmd/catena failed');

  // The server's admin URL (scripts/postgres.sh prints one); the tests get a
  // database of their own on it, created by `catena serve` and dropped at the end.
  const adminURL = process.env.CATENA_E2E_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable';
  const dbName = `catena_e2e_${randomBytes(4).toString('hex')}`;
  const db = new URL(adminURL);
  db.pathname = `/${dbName}`;
  const databaseURL = db.toString();

  // The Slack stand-in: POSTs are recorded; GET /received returns them as JSON.
  // Under /services/revoked/ it answers as Slack does for a deleted webhook
  // (404 no_service, a permanent failure) and records nothing.
  const received: Array<{ path: string; body: string; at: string }> = [];
  const slack = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/received') {
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify(received));
      return;
    }
    if (req.url?.startsWith('/services/revoked/')) {
      res.statusCode = 404;
      res.end('no_service');
      return;
    }
    void readBody(req).then((body) => {
      received.push({ path: req.url ?? '', body, at: new Date().toISOString() });
      res.end('ok');
    });
  });
  const [slackPort, demoPort, servePort] = await freePorts(3);
  await new Promise<void>((ok) => slack.listen(slackPort, '127.0.0.1', ok));

  const demo = start('demo-api', ['demo-api', '--addr', `127.0.0.1:${demoPort}`], {});
  const serve = start('serve', ['serve'], {
    CATENA_ADDR: `127.0.0.1:${servePort}`,
    DATABASE_URL: databaseURL,
    CATENA_ADMIN_EMAIL: ADMIN_EMAIL,
    CATENA_ADMIN_PASSWORD: ADMIN_PASSWORD,
    CATENA_SECRET_KEY: randomBytes(32).toString('base64'),
    CATENA_PUBLIC_URL: `http://127.0.0.1:${servePort}`,
    CATENA_LOG_LEVEL: 'debug',
  });

  const teardown = async () => {
    for (const p of [serve, demo]) {
      if (p.exitCode === null) {
        p.kill('SIGTERM');
        await new Promise((r) => {
          const t = setTimeout(() => {
            p.kill('SIGKILL');
            r(null);
          }, 10_000);
          p.once('exit', () => {
            clearTimeout(t);
            r(null);
          });
        });
      }
    }
    slack.close();
    spawnSync('psql', [adminURL, '-q', '-c', `DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`], { stdio: 'inherit' });
  };

  try {
    await waitFor(`http://127.0.0.1:${demoPort}/`, 'catena demo-api', demo, 20_000);
    await waitFor(`http://127.0.0.1:${servePort}/readyz`, 'catena serve', serve, 60_000);
  } catch (e) {
    await teardown();
    throw e;
  }

  process.env.CATENA_E2E_URL = `http://127.0.0.1:${servePort}`;
  process.env.CATENA_E2E_DEMO = `http://127.0.0.1:${demoPort}`;
  process.env.CATENA_E2E_SLACK = `http://127.0.0.1:${slackPort}`;
  process.env.CATENA_E2E_EMAIL = ADMIN_EMAIL;
  process.env.CATENA_E2E_PASSWORD = ADMIN_PASSWORD;
  return teardown;
}
