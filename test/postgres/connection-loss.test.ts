/**
 * A connection cut off while a query runs on it (a server restart, a failover, an administrator's
 * pg_terminate_backend) fails that query, and only that query: the process must not see an uncaught
 * 'error'. pg-pool removes its listener from a client while the client is in use, and pg emits 'error'
 * on an unexpected end, so without a listener of our own the process crashes (the restart test hit this
 * by timing, now and then). Here the cut is deterministic: another connection ends the backend of one
 * that is checked out between two queries.
 * PostgreSQL-only (collected when DATABASE_URL is set).
 */
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { createDb, type DbHandle } from '../../src/db/client.js';

describe('a connection lost in the middle of a query', () => {
  let handle: DbHandle | null = null;
  afterAll(async () => {
    await handle?.close();
  });

  it('fails the next query on it with the connection error, raises nothing uncaught, and other queries work', async () => {
    const uncaught: unknown[] = [];
    const record = (error: unknown) => uncaught.push(error);
    process.on('uncaughtException', record);
    try {
      const lost: string[] = [];
      handle = await createDb({ databaseUrl: process.env.DATABASE_URL!, progress: (m) => lost.push(m) });
      const { db } = handle;
      const own = sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`;
      // Cut off a connection while it is checked out between two queries (as a transaction's is while the
      // request awaits something): another connection ends its backend.
      await expect(
        db.connection().execute(async (connection) => {
          const { rows } = await own.execute(connection);
          const pid = rows[0]!.pid;
          await sql`SELECT pg_terminate_backend(${pid}::int)`.execute(db);
          // Let the socket's 'end' and the client's 'error' events run while it is still checked out.
          await new Promise((resolve) => setTimeout(resolve, 300));
          await sql`SELECT 1`.execute(connection);
        }),
      ).rejects.toThrow(/terminat|not queryable|connection/i);
      expect(uncaught).toEqual([]);
      expect(lost.join('\n')).toMatch(/database connection lost/);
      const { rows } = await sql<{ one: number }>`SELECT 1 AS one`.execute(db);
      expect(rows[0]!.one).toBe(1);
    } finally {
      process.off('uncaughtException', record);
    }
  });
});
