import { execFile, execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { openApp } from '../../src/app.js';
import { createDb } from '../../src/db/client.js';
import type { RunningServer } from '../../src/server.js';
import { startServer } from '../../src/server.js';
import { testConfig } from '../helpers/db.js';
import { aServicePoint, aSettlement, seed } from '../helpers/seed.js';

/**
 * A PostgreSQL restart is survived: the app runs against a PRIVATE throwaway cluster (initdb + pg_ctl on
 * a free port in a temporary directory — never the shared server on 5432), the cluster is restarted with
 * `pg_ctl restart -m fast` while requests keep coming, and the process neither crashes nor stays broken:
 * requests after the restart succeed, reads and writes. PostgreSQL-only (vitest.config.ts collects
 * test/postgres/ only when DATABASE_URL is set; CI installs postgresql-15-postgis-3 for that run).
 * PG_BIN overrides where initdb and pg_ctl are (default: `pg_config --bindir`, else PostgreSQL 15's).
 */
function pgBin(): string {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  try {
    return execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim();
  } catch {
    return '/usr/lib/postgresql/15/bin';
  }
}

const BIN = pgBin();
/** initdb refuses to run as root: then the cluster belongs to the `postgres` system user. */
const asRoot = process.getuid?.() === 0;

function command(tool: string, args: string[]): [string, string[]] {
  const file = join(BIN, tool);
  return asRoot ? ['runuser', ['-u', 'postgres', '--', file, ...args]] : [file, args];
}

function pg(tool: string, args: string[]): string {
  const [cmd, argv] = command(tool, args);
  return execFileSync(cmd, argv, { encoding: 'utf8', timeout: 120_000, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** The same without blocking the event loop (the server under test runs in this process). */
async function pgAsync(tool: string, args: string[]): Promise<void> {
  const [cmd, argv] = command(tool, args);
  await promisify(execFile)(cmd, argv, { timeout: 120_000 });
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

let dir = '';
let data = '';
let port = 0;
let app: App;
let server: RunningServer;

const post = async (query: string, token?: string) => {
  const res = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query }),
  });
  return { status: res.status, body: (await res.json()) as { data?: unknown; errors?: unknown[] } };
};

const READ = `{ settlements(first: 5) { totalCount nodes { name access(serviceTypes: [GROCERY]) { straightLineKm } } }
  accessIndicators(serviceTypes: [GROCERY], groupBy: COUNTY) { population } }`;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sa-pg-restart-'));
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }));
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }));
    chownSync(dir, uid, gid);
  }
  data = join(dir, 'data');
  port = await freePort();
  pg('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  const options = `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${dir} -c fsync=off`;
  pg('pg_ctl', ['start', '-D', data, '-w', '-l', join(dir, 'log'), '-o', options]);
  const admin = await createDb({ databaseUrl: `postgres://postgres@127.0.0.1:${port}/postgres` });
  await sql`CREATE DATABASE serviceatlas`.execute(admin.db);
  await admin.close();
  const databaseUrl = `postgres://postgres@127.0.0.1:${port}/serviceatlas`;
  const init = await createDb({ databaseUrl });
  await sql`CREATE EXTENSION postgis`.execute(init.db);
  await init.close();
  app = await openApp(testConfig({ databaseUrl }), { demo: false });
  await seed(app.db, {
    settlements: [
      aSettlement({ name: 'Ort A', lon: 15, lat: 60 }),
      aSettlement({ name: 'Ort B', lon: 15.5, lat: 60.2 }),
    ],
    servicePoints: [aServicePoint({ name: 'Butik', lon: 15, lat: 60.01, serviceTypes: ['GROCERY'] })],
  });
  server = await startServer({ app, config: app.config, port: 0 });
}, 180_000);

afterAll(async () => {
  await server?.close();
  await app?.close();
  if (data && existsSync(join(data, 'postmaster.pid'))) {
    try {
      pg('pg_ctl', ['stop', '-D', data, '-m', 'immediate', '-w']);
    } catch {}
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('a PostgreSQL restart (private cluster)', () => {
  it('is survived: requests during it may fail, the process does not crash, and later requests succeed', async () => {
    const before = await post(READ);
    expect(before.body.errors).toBeUndefined();

    // Keep requests coming during the restart (each may fail, none may crash the process).
    let stop = false;
    const during: number[] = [];
    const load = (async () => {
      while (!stop) {
        const r = await post(READ).catch(() => ({ status: 0, body: {} }));
        during.push(r.status);
        await new Promise((res) => setTimeout(res, 20));
      }
    })();
    // -l: the new postmaster must not inherit pg_ctl's stdout (the call would never see EOF).
    await pgAsync('pg_ctl', ['restart', '-D', data, '-m', 'fast', '-w', '-l', join(dir, 'log')]);

    // Recovery: within 30 s, three answers in a row without errors.
    const deadline = Date.now() + 30_000;
    let streak = 0;
    let last: Awaited<ReturnType<typeof post>> | null = null;
    while (streak < 3 && Date.now() < deadline) {
      last = await post(READ);
      streak = last.status === 200 && !last.body.errors ? streak + 1 : 0;
      if (streak === 0) await new Promise((res) => setTimeout(res, 100));
    }
    stop = true;
    await load;
    expect(streak).toBe(3);
    expect(last!.body).toEqual(before.body);
    expect(during.length).toBeGreaterThan(0);

    // Writes work again too (a new pool client, a transaction, the data version bumped).
    const saved = await post(
      `mutation { saveScenario(name: "Efter omstart", changes: { closeServicePointIds: [] }) { id name } }`,
      'test-writer',
    );
    expect(saved.body.errors).toBeUndefined();
    const health = await fetch(`${server.url}/readyz`);
    expect(health.status).toBe(200);
  });
});
