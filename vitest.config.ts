import { createRequire } from 'node:module';
import { configDefaults, defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: {
    // Node (and so Apollo and Pothos) loads graphql's CommonJS entry; Vite would pick its ESM one for our
    // sources, and two graphql instances cannot share a schema. Point Vite at the same file Node uses.
    alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
  },
  test: {
    include: ['test/**/*.test.ts'],
    // test/postgres/ is about a PostgreSQL server (two API processes on one database, a server restart):
    // collected only on the DATABASE_URL run, so the PGlite run neither runs nor "skips" it (CI fails on
    // skipped tests).
    exclude: [...configDefaults.exclude, ...(process.env.DATABASE_URL ? [] : ['test/postgres/**'])],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    pool: 'forks',
    maxWorkers: 2,
    fileParallelism: true,
  },
});
