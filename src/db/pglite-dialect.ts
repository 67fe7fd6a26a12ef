import { PostgresDialect } from 'kysely';

/** What the dialect needs of PGlite: the instance itself, or the one in its worker (pglite-remote.ts). */
export interface PgliteQueryable {
  query<T = Record<string, unknown>>(
    sql: string,
    parameters?: unknown[],
  ): Promise<{ rows: T[]; affectedRows?: number }>;
}

/**
 * Kysely over an embedded PGlite, reusing Kysely's own Postgres driver: PGlite is one connection, so
 * this adapter hands it out as a pool of one behind a FIFO lock — a transaction owns it until it ends,
 * and no other query can slip between its BEGIN and COMMIT.
 * (kysely-pglite-dialect stops at PGlite 0.4 and kysely-pglite drags in kysely-codegen; this is 40 lines.)
 */
export function pgliteDialect(pglite: PgliteQueryable): PostgresDialect {
  let tail: Promise<void> = Promise.resolve();
  const client = {
    async query(sql: string, parameters: readonly unknown[]) {
      const result = await pglite.query<Record<string, unknown>>(sql, parameters as unknown[]);
      const command = /^\s*(\w+)/.exec(sql)?.[1]?.toUpperCase() ?? 'SELECT';
      return { command, rowCount: result.affectedRows ?? result.rows.length, rows: result.rows };
    },
    release() {},
  };
  const pool = {
    async connect() {
      let release!: () => void;
      const previous = tail;
      tail = new Promise<void>((resolve) => {
        release = resolve;
      });
      await previous;
      return { ...client, release };
    },
    // Kysely's destroy() ends the pool: wait for the holder of the connection (an import's transaction)
    // and everyone queued behind it, so PGlite is never closed under a running transaction.
    async end() {
      let previous: Promise<void> | undefined;
      while (previous !== tail) {
        previous = tail;
        await previous;
      }
    },
  };
  // The pool shape Kysely's PostgresDialect expects (a subset of pg.Pool).
  return new PostgresDialect({
    pool: pool as unknown as ConstructorParameters<typeof PostgresDialect>[0]['pool'],
  });
}
