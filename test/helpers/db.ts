import { readFileSync } from 'node:fs';
import type { LogEvent } from 'kysely';
import { sql } from 'kysely';
import { inject } from 'vitest';
import type { App } from '../../src/app.js';
import { openApp } from '../../src/app.js';
import type { Config } from '../../src/config.js';
import { loadConfig } from '../../src/config.js';
import type { DbHandle } from '../../src/db/client.js';
import { createDb } from '../../src/db/client.js';
import { TEMPLATE_DB, serverUrl } from './server-db.js';

export type BackendName = 'pglite' | 'postgres';

/** The backend this run tests: PostgreSQL when DATABASE_URL is set, else the embedded PGlite. */
export const backend: BackendName = process.env.DATABASE_URL ? 'postgres' : 'pglite';

export interface TestDatabase {
  handle: DbHandle;
  /** The server database's URL (DATABASE_URL runs), so a test can open a second app on it. */
  url?: string;
  /** Executed SQL statements since the last reset (for round-trip assertions). */
  queries: string[];
  close(): Promise<void>;
}

/** A new server database cloned from the migrated template; drop() removes it (and its connections). */
async function cloneTemplate(url: string, purpose: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `serviceatlas_${purpose}_${process.pid}_${Math.floor(Math.random() * 1e9)}`;
  const admin = await createDb({ databaseUrl: url });
  await sql.raw(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE_DB}`).execute(admin.db);
  return {
    url: serverUrl(url, name),
    drop: async () => {
      await sql.raw(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).execute(admin.db);
      await admin.close();
    },
  };
}

/**
 * A fresh, migrated database for one test file: the PGlite template loaded from the dump made in
 * global setup, or a new server database cloned from the template database.
 */
export async function freshDatabase(): Promise<TestDatabase> {
  const queries: string[] = [];
  const onQuery = (e: LogEvent) => {
    queries.push(e.query.sql);
  };
  const url = process.env.DATABASE_URL;
  if (url) {
    const clone = await cloneTemplate(url, 'test');
    const handle = await createDb({ databaseUrl: clone.url, onQuery });
    return {
      handle,
      url: clone.url,
      queries,
      close: async () => {
        await handle.close();
        await clone.drop();
      },
    };
  }
  const dump = readFileSync(inject('pgliteTemplate'));
  const handle = await createDb({ loadDataDir: new Blob([dump]), onQuery });
  return { handle, queries, close: () => handle.close() };
}

/** A server secret for API keys in tests (never used outside them). */
export const TEST_KEY_SECRET = 'test-key-secret-0123456789abcdef0123456789';

/** Test configuration: defaults, no demo, write token "test-writer", API keys on (TEST_KEY_SECRET). */
export function testConfig(overrides: Partial<Config> = {}): Config {
  return {
    ...loadConfig({
      SERVICEATLAS_DEMO: 'off',
      LOG_LEVEL: 'silent',
      SERVICEATLAS_WRITE_TOKENS: 'test-writer',
      SERVICEATLAS_KEY_SECRET: TEST_KEY_SECRET,
      // In-process test servers build their own tables, as before; the store has its own tests
      // (test/postgres/shared-tables.test.ts) and the cluster test runs it as deployed (on).
      SERVICEATLAS_SHARED_TABLES: 'off',
      // Every query compiled at its first run (graphql-jit; its errors re-run on graphql-js), so the API
      // suites check the compiled path; SERVICEATLAS_GRAPHQL_JIT_AFTER=0 runs them on graphql-js alone.
      SERVICEATLAS_GRAPHQL_JIT_AFTER: process.env.SERVICEATLAS_GRAPHQL_JIT_AFTER ?? '1',
    }),
    ...overrides,
  };
}

/** An App over a fresh database (migrations already applied by the template). */
export async function freshApp(
  options: { demo?: boolean; config?: Partial<Config> } = {},
): Promise<{ app: App; database: TestDatabase }> {
  const database = await freshDatabase();
  const app = await openApp(testConfig(options.config), {
    demo: options.demo ?? false,
    handle: database.handle,
  });
  return { app, database };
}

/**
 * Environment for a CLI child process on its own fresh database: a new server database cloned from the
 * template (DATABASE_URL runs), or a new embedded data directory.
 */
export async function freshCliEnvironment(
  dataDir: string,
): Promise<{ env: NodeJS.ProcessEnv; drop(): Promise<void> }> {
  const base = { ...process.env, SERVICEATLAS_DEMO: 'off', LOG_LEVEL: 'silent' };
  const url = process.env.DATABASE_URL;
  if (!url) return { env: { ...base, SERVICEATLAS_DATA_DIR: dataDir }, drop: async () => {} };
  const clone = await cloneTemplate(url, 'cli');
  return { env: { ...base, DATABASE_URL: clone.url }, drop: clone.drop };
}

/** Opens the database a CLI run wrote to (after the child process has exited). */
export async function openCliDatabase(env: NodeJS.ProcessEnv): Promise<DbHandle> {
  return env.DATABASE_URL
    ? createDb({ databaseUrl: env.DATABASE_URL })
    : createDb({ dataDir: env.SERVICEATLAS_DATA_DIR });
}
