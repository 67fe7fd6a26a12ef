/**
 * The database of an import that runs in a child process (isolated-import.ts), over its IPC channel: the
 * worker's Kysely compiles its queries as usual and this dialect sends each one, with its connection,
 * to the thread that owns the database (the embedded PGlite lives there, in one session), which runs it
 * on a connection it holds for the worker. A transaction is BEGIN … COMMIT on one held connection; if
 * the worker dies, the owner rolls back whatever it still holds (nothing is half-written).
 */
/** Where messages go both ways: a worker's parentPort, or a child process's IPC channel. */
export interface MessageChannelLike {
  on(event: 'message', listener: (message: never) => void): unknown;
  postMessage(message: unknown): void;
}
import type { DatabaseConnection, Dialect, Driver, Kysely, QueryResult, TransactionSettings } from 'kysely';
import { CompiledQuery, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler } from 'kysely';
import type { Database } from '../../db/tables.js';

/** A request from the worker. */
export type DbRequest =
  | { id: number; op: 'acquire' }
  | { id: number; op: 'begin' | 'commit' | 'rollback' | 'release'; conn: number }
  | { id: number; op: 'query'; conn: number; sql: string; parameters: readonly unknown[] };

/** A request before it is numbered. */
type DbCall = DbRequest extends infer R ? (R extends DbRequest ? Omit<R, 'id'> : never) : never;

/** The owner's answer. */
export type DbResponse =
  | { id: number; ok: true; value: unknown }
  | {
      id: number;
      ok: false;
      error: { message: string; code?: string; detail?: string; constraint?: string };
    };

/** The message that marks a database request (the port also carries progress and the outcome). */
export interface DbEnvelope {
  type: 'db';
  request: DbRequest;
}

// ---------------------------------------------------------------------------------------------------
// The worker's side.

class RemoteConnection implements DatabaseConnection {
  constructor(
    readonly id: number,
    private readonly call: (request: DbCall) => Promise<unknown>,
  ) {}

  async executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    return (await this.call({
      op: 'query',
      conn: this.id,
      sql: compiled.sql,
      parameters: compiled.parameters,
    })) as QueryResult<R>;
  }

  // biome-ignore lint/correctness/useYield: no import streams query results
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('streaming query results is not supported in an import worker');
  }
}

/** A Kysely dialect whose queries run in the thread at the other end of `port`. */
export function remoteDialect(port: MessageChannelLike): Dialect {
  let next = 0;
  const pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  port.on('message', (message: { type?: string; response?: DbResponse } | never) => {
    if (message.type !== 'db-response' || !message.response) return;
    const { response } = message;
    const waiter = pending.get(response.id);
    if (!waiter) return;
    pending.delete(response.id);
    if (response.ok) waiter.resolve(response.value);
    else waiter.reject(Object.assign(new Error(response.error.message), response.error));
  });
  const call = (request: DbCall): Promise<unknown> =>
    new Promise((resolve, reject) => {
      const id = ++next;
      pending.set(id, { resolve, reject });
      port.postMessage({ type: 'db', request: { ...request, id } as DbRequest } satisfies DbEnvelope);
    });
  const driver: Driver = {
    async init() {},
    async acquireConnection() {
      return new RemoteConnection((await call({ op: 'acquire' })) as number, call);
    },
    async beginTransaction(connection: DatabaseConnection, _settings: TransactionSettings) {
      await call({ op: 'begin', conn: (connection as RemoteConnection).id });
    },
    async commitTransaction(connection) {
      await call({ op: 'commit', conn: (connection as RemoteConnection).id });
    },
    async rollbackTransaction(connection) {
      await call({ op: 'rollback', conn: (connection as RemoteConnection).id });
    },
    async releaseConnection(connection) {
      await call({ op: 'release', conn: (connection as RemoteConnection).id });
    },
    async destroy() {},
  };
  return {
    createDriver: () => driver,
    createQueryCompiler: () => new PostgresQueryCompiler(),
    createAdapter: () => new PostgresAdapter(),
    createIntrospector: (db) => new PostgresIntrospector(db),
  };
}

// ---------------------------------------------------------------------------------------------------
// The owner's side.

interface Held {
  conn: Kysely<Database>;
  inTransaction: boolean;
  release(): void;
}

/**
 * Serves a worker's database requests on `db` (the owner's handle). `abandon()` — when the worker has
 * ended, normally or not — rolls back any transaction it left open and releases its connections.
 */
export function serveDatabase(db: Kysely<Database>) {
  const held = new Map<number, Held>();
  let nextConn = 0;

  async function run(request: DbRequest): Promise<unknown> {
    switch (request.op) {
      case 'acquire': {
        const id = ++nextConn;
        await new Promise<void>((acquired, failed) => {
          db.connection()
            .execute(
              (conn) =>
                new Promise<void>((release) => {
                  held.set(id, { conn, inTransaction: false, release });
                  acquired();
                }),
            )
            .catch(failed);
        });
        return id;
      }
      case 'query': {
        const result = await connection(request.conn).conn.executeQuery(
          CompiledQuery.raw(request.sql, [...request.parameters]),
        );
        return result;
      }
      case 'begin': {
        const h = connection(request.conn);
        await h.conn.executeQuery(CompiledQuery.raw('begin'));
        h.inTransaction = true;
        return null;
      }
      case 'commit':
      case 'rollback': {
        const h = connection(request.conn);
        h.inTransaction = false; // on failure too: PostgreSQL ends the transaction either way
        await h.conn.executeQuery(CompiledQuery.raw(request.op));
        return null;
      }
      case 'release': {
        const h = held.get(request.conn);
        held.delete(request.conn);
        h?.release();
        return null;
      }
    }
  }

  function connection(id: number): Held {
    const h = held.get(id);
    if (!h) throw new Error(`no connection ${id} held for the import worker`);
    return h;
  }

  return {
    async handle(request: DbRequest): Promise<DbResponse> {
      try {
        return { id: request.id, ok: true, value: await run(request) };
      } catch (error) {
        const e = error as { message?: string; code?: unknown; detail?: unknown; constraint?: unknown };
        return {
          id: request.id,
          ok: false,
          error: {
            message: e.message ?? String(error),
            ...(typeof e.code === 'string' ? { code: e.code } : {}),
            ...(typeof e.detail === 'string' ? { detail: e.detail } : {}),
            ...(typeof e.constraint === 'string' ? { constraint: e.constraint } : {}),
          },
        };
      }
    },
    /** Rolls back and releases what the worker still holds; true when a transaction was rolled back. */
    async abandon(): Promise<boolean> {
      let rolledBack = false;
      for (const [id, h] of [...held]) {
        held.delete(id);
        if (h.inTransaction) {
          rolledBack = true;
          await h.conn.executeQuery(CompiledQuery.raw('rollback')).catch(() => {});
        }
        h.release();
      }
      return rolledBack;
    },
  };
}
