import { describe, it } from 'vitest';

/**
 * A test (or suite) collected only on the run where it can run — the PostgreSQL run for pgRouting and
 * server-only checks, the embedded run for data-directory checks — as test/postgres/ is (vitest.config.ts).
 * Not a skip: CI counts a skipped test as a suite that did not run, and the other backend's run covers it.
 */
export const itWhen = (runs: unknown): typeof it => (runs ? it : ((() => undefined) as unknown as typeof it));

export const describeWhen = (runs: unknown): typeof describe =>
  runs ? describe : ((() => undefined) as unknown as typeof describe);
