import type {
  CompiledQuery,
  DatabaseConnection,
  DatabaseIntrospector,
  Dialect,
  DialectAdapter,
  Driver,
  Kysely,
  PostgresDialect,
  QueryCompiler,
  QueryResult,
  TransactionSettings,
} from 'kysely';
import type { Database } from './tables.js';

/**
 * A read standby's Kysely that survives the standby dying under a request (issue 23): a query outside a
 * transaction that cannot get or loses its connection runs again on the primary (newer data, never older),
 * and the router is told (the standby is marked down until a poll finds it). A transaction stays on one
 * database: without the standby it fails whole, and its caller (the snapshot load) moves to the primary.
 * Used by openStandby (read-replicas.ts).
 */

/**
 * Where a standby's reads go when it fails under them: the primary (answers at the request's version or a
 * newer one, never an older one), and who is told that the standby failed.
 */
export interface StandbyFallback {
  primary: Kysely<Database>;
  failed(error: unknown): void;
}

/**
 * pg errors that say the connection (not the query) failed: not a server's answer (refused, reset,
 * terminated, a timeout), class 08 (connection exception), 57P0x (the server shutting down or starting), or a query
 * cancelled by a standby's replay (40001 from recovery conflicts): all worth one more try on the primary.
 */
export function isConnectionFailure(error: unknown): boolean {
  // A server's answer (pg's DatabaseError) has a severity and a SQLSTATE; a socket's error (ECONNRESET,
  // ECONNREFUSED, a timeout, "Connection terminated") has neither.
  const e = error as { code?: unknown; severity?: unknown } | null;
  if (typeof e?.severity !== 'string' || typeof e.code !== 'string') return true;
  return e.code.startsWith('08') || e.code.startsWith('57P') || e.code === '40001';
}

/** A standby's connection, or (when none could be had) a stand-in that runs each query on the primary. */
interface FallbackConnection extends DatabaseConnection {
  readonly inner: DatabaseConnection | null;
  inTransaction: boolean;
}

class FallbackDriver implements Driver {
  constructor(
    private readonly inner: Driver,
    private readonly fallback: StandbyFallback,
    /** Whether destroy() ends the standby's pool (false when another Kysely over it ends it). */
    private readonly ownsPool: boolean,
  ) {}

  init(): Promise<void> {
    return this.inner.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const { primary, failed } = this.fallback;
    let inner: DatabaseConnection | null = null;
    try {
      inner = await this.inner.acquireConnection();
    } catch (error) {
      if (!isConnectionFailure(error)) throw error;
      failed(error);
    }
    const connection: FallbackConnection = {
      inner,
      inTransaction: false,
      async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
        if (!inner) return primary.executeQuery<R>(query);
        try {
          return await inner.executeQuery<R>(query);
        } catch (error) {
          if (connection.inTransaction || !isConnectionFailure(error)) throw error;
          failed(error);
          return primary.executeQuery<R>(query);
        }
      },
      streamQuery<R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
        if (!inner) throw new Error('the read standby is unavailable: no streaming on the fallback');
        return inner.streamQuery<R>(query, chunkSize);
      },
    };
    return connection;
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    const c = connection as FallbackConnection;
    // A transaction must stay on one database: without the standby it fails, and the caller (a snapshot
    // load) moves to the primary as a whole.
    if (!c.inner) throw new Error('the read standby is unavailable');
    await this.inner.beginTransaction(c.inner, settings);
    c.inTransaction = true;
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    const c = connection as FallbackConnection;
    c.inTransaction = false;
    await this.inner.commitTransaction(c.inner!);
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    const c = connection as FallbackConnection;
    c.inTransaction = false;
    await this.inner.rollbackTransaction(c.inner!);
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    const c = connection as FallbackConnection;
    if (c.inner) await this.inner.releaseConnection(c.inner);
  }

  async destroy(): Promise<void> {
    if (this.ownsPool) await this.inner.destroy();
  }
}

export class FallbackDialect implements Dialect {
  constructor(
    private readonly inner: PostgresDialect,
    private readonly fallback: StandbyFallback,
    private readonly ownsPool: boolean,
  ) {}
  createDriver(): Driver {
    return new FallbackDriver(this.inner.createDriver(), this.fallback, this.ownsPool);
  }
  createQueryCompiler(): QueryCompiler {
    return this.inner.createQueryCompiler();
  }
  createAdapter(): DialectAdapter {
    return this.inner.createAdapter();
  }
  createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return this.inner.createIntrospector(db);
  }
}
