import type { Kysely, Transaction } from 'kysely';
import { sql } from 'kysely';
import pg from 'pg';
import { Kysely as KyselyClass, PostgresDialect } from 'kysely';
import type { DataVersions } from './data-version.js';
import { readDataVersions, versionSourceFor } from './data-version.js';
import type { StandbyFallback } from './standby-fallback.js';
import { FallbackDialect } from './standby-fallback.js';
import type { Database } from './tables.js';

/**
 * Reads from PostgreSQL hot standbys (DATABASE_READ_URL), writes on the primary (DATABASE_URL).
 *
 * Every replica process keeps one read target: a standby while it is up, not more than `maxLagMs` behind
 * the primary and not older than anything this process has already served; the primary otherwise (no
 * error). The target is sticky, so a process's versions only grow; a lagging standby answers its
 * (older) version consistently — the `data_version` row travels with the data in the same WAL.
 *
 * Lag is measured in data versions, not WAL bytes: a poller (every `pollMs`) reads the primary's
 * `data_version.writes` and each standby's; a standby behind the primary is as late as the time since the
 * primary was first seen at the first version the standby lacks. A standby that refuses, errs or does not
 * answer within `pollTimeoutMs` is down until a poll succeeds.
 */
export interface ReadTarget {
  /** 'primary' or the standby's host:port/database (no credentials). */
  readonly name: string;
  readonly role: 'primary' | 'standby';
  readonly db: Kysely<Database>;
}

export interface StandbyStatus {
  name: string;
  state: 'ok' | 'lagging' | 'down' | 'unknown';
  /** Milliseconds behind the primary, in data versions (0 = has the primary's last write). */
  lagMs: number | null;
  /** The standby's `data_version.writes` at the last poll. */
  writes: number | null;
  error?: string;
}

export interface ReadRouterOptions {
  maxLagMs: number;
  pollMs: number;
  pollTimeoutMs?: number;
  now?: () => number;
}

interface Standby extends ReadTarget {
  readonly close: () => Promise<void>;
  readonly direct?: Kysely<Database>;
  status: StandbyStatus;
}

/** Names a PostgreSQL URL without its credentials: host:port/database. */
export function databaseLabel(url: string): string {
  const u = new URL(url);
  return `${u.hostname}:${u.port || '5432'}${u.pathname}`;
}

/** A database reads may go to: a name (no credentials) and a Kysely over it. */
export interface StandbyHandle {
  name: string;
  db: Kysely<Database>;
  /** The standby itself, never falling back to the primary (the lag poll); default `db`. */
  direct?: Kysely<Database>;
  close(): Promise<void>;
}

/**
 * A read-only pool on a standby: fails fast when it is down, so reads move to the primary. With a
 * fallback, a standby that dies in the middle of a request no longer fails the request's later queries:
 * a query outside a transaction that cannot get or loses its connection runs again on the primary (see
 * FallbackDriver); a transaction (a snapshot load) fails whole, and its caller loads on the primary.
 */
export function openStandby(
  url: string,
  onError: (line: string) => void = () => {},
  fallback?: StandbyFallback,
): StandbyHandle {
  const pool = new pg.Pool({ connectionString: url, max: 10, connectionTimeoutMillis: 1_000 });
  pool.on('error', (error) => onError(`standby connection lost: ${error.message}`));
  pool.on('connect', (client) => {
    client.on('error', (error) => onError(`standby connection lost: ${error.message}`));
  });
  const dialect = new PostgresDialect({ pool });
  if (!fallback) {
    const db = new KyselyClass<Database>({ dialect });
    return { name: databaseLabel(url), db, close: () => db.destroy() };
  }
  // Two Kyselys over the one pool: requests fall back to the primary, the lag poll must not (it would
  // see the primary answer and call the dead standby healthy). The pool is ended once, by `direct`.
  const direct = new KyselyClass<Database>({ dialect });
  const db = new KyselyClass<Database>({ dialect: new FallbackDialect(dialect, fallback, false) });
  return { name: databaseLabel(url), db, direct, close: () => direct.destroy() };
}

/** A router over the standbys named by URLs (DATABASE_READ_URL); none: every read on the primary. */
export function readRouterFor(
  primary: Kysely<Database>,
  urls: string[],
  options: ReadRouterOptions,
  say: (line: string) => void = () => {},
): ReadRouter {
  let router: ReadRouter | null = null;
  const handles = urls.map((url) => {
    const name = databaseLabel(url);
    return openStandby(url, say, { primary, failed: (error) => router?.failedNamed(name, error) });
  });
  router = new ReadRouter(primary, handles, options, say);
  return router;
}

const withTimeout = <T>(p: Promise<T>, ms: number): Promise<T> =>
  new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });

export class ReadRouter {
  readonly primary: ReadTarget;
  readonly #standbys: Standby[];
  readonly #options: Required<ReadRouterOptions>;
  /** The highest `writes` version this process has served: a standby below it would go back in time. */
  #highWater = 0;
  #current: Standby | null = null;
  /** The primary's `writes` versions as first seen by the poller, oldest first (for the lag). */
  #seen: { writes: number; at: number }[] = [];
  #primaryWrites: number | null = null;
  #timer: NodeJS.Timeout | null = null;
  #polling: Promise<void> | null = null;
  /** Reads sent to each target since start (for /metrics). */
  readonly picks = new Map<string, number>();
  /** Called when a poll finds the database reads go to at a newer `writes` version (a standby replayed). */
  onAdvance: ((writes: number) => void) | null = null;
  #advanced = 0;

  constructor(
    primary: Kysely<Database>,
    standbys: StandbyHandle[],
    options: ReadRouterOptions,
    private readonly say: (line: string) => void = () => {},
  ) {
    this.primary = { name: 'primary', role: 'primary', db: primary };
    this.#standbys = standbys.map((h) => ({
      ...h,
      role: 'standby' as const,
      status: { name: h.name, state: 'unknown' as const, lagMs: null, writes: null },
    }));
    this.#options = { pollTimeoutMs: Math.max(500, options.pollMs * 4), now: Date.now, ...options };
  }

  /** Whether any standby is configured. */
  get replicated(): boolean {
    return this.#standbys.length > 0;
  }

  /** Polls once now, then every pollMs (no-op without standbys). */
  async start(): Promise<void> {
    if (!this.replicated) return;
    await this.poll();
    this.#timer = setInterval(() => void this.poll(), this.#options.pollMs);
    this.#timer.unref();
  }

  async close(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    await this.#polling?.catch(() => {});
    await Promise.all(this.#standbys.map((s) => s.close().catch(() => {})));
  }

  /**
   * Where a read goes: the current standby when it is healthy and has at least `minWrites` (a version the
   * client wrote or saw) and this process's high-water mark; else another such standby; else the primary.
   */
  pick(minWrites = 0): ReadTarget {
    const found = this.#choose(minWrites);
    // A request asking for more than this process has served does not move the process's own choice.
    if (minWrites <= this.#highWater) this.#current = found;
    const target = found ?? this.primary;
    this.picks.set(target.name, (this.picks.get(target.name) ?? 0) + 1);
    return target;
  }

  #choose(minWrites: number): Standby | null {
    const floor = Math.max(minWrites, this.#highWater);
    const eligible = (s: Standby) => s.status.state === 'ok' && (s.status.writes ?? -1) >= floor;
    if (this.#current && eligible(this.#current)) return this.#current;
    // Replicas spread over the standbys by pid; each then stays on its own.
    const n = this.#standbys.length;
    const start = n > 0 ? process.pid % n : 0;
    for (let i = 0; i < n; i++) {
      const s = this.#standbys[(start + i) % n]!;
      if (eligible(s)) return s;
    }
    return null;
  }

  /** The primary's versions now (after a write: a version that includes it). */
  async primaryVersions(): Promise<DataVersions> {
    const versions = await versionSourceFor(this.primary.db).read();
    this.served(versions);
    return versions;
  }

  /** Records versions served from a target (the high-water mark only grows). */
  served(versions: DataVersions): void {
    if (versions.writes > this.#highWater) this.#highWater = versions.writes;
  }

  /** The standby named `name` failed under a query (its fallback ran it on the primary). */
  failedNamed(name: string, error: unknown): void {
    const s = this.#standbys.find((x) => x.name === name);
    if (s && s.status.state !== 'down') this.say(`read replica ${name}: down (${(error as Error).message})`);
    if (s) this.failed(s, error);
  }

  /** A read on `target` failed for want of a connection: take it out until the next good poll. */
  failed(target: ReadTarget, error: unknown): void {
    const s = this.#standbys.find((x) => x === target);
    if (!s) return;
    s.status = { ...s.status, state: 'down', error: (error as Error).message };
    if (this.#current === s) this.#current = null;
  }

  /**
   * The versions as of now on the chosen target, falling back to the primary when a standby fails; the
   * target they were read on comes with them (the request reads its pages there).
   */
  async versionsOn(
    read: (db: Kysely<Database>) => Promise<DataVersions>,
    minWrites = 0,
  ): Promise<{ target: ReadTarget; versions: DataVersions }> {
    let target = this.pick(minWrites);
    let versions: DataVersions;
    try {
      versions = await read(target.db);
    } catch (error) {
      if (target.role === 'primary') throw error;
      this.failed(target, error);
      target = this.primary;
      versions = await read(target.db);
    }
    // A standby can be polled ahead of what it served here, never behind what this process served.
    if (target.role === 'standby' && versions.writes < Math.max(minWrites, this.#highWater)) {
      target = this.primary;
      versions = await read(target.db);
    }
    this.served(versions);
    return { target, versions };
  }

  /** One poll of the primary and every standby (shared by concurrent callers). */
  poll(): Promise<void> {
    this.#polling ??= this.#poll().finally(() => {
      this.#polling = null;
    });
    return this.#polling;
  }

  async #poll(): Promise<void> {
    const { pollTimeoutMs, now } = this.#options;
    try {
      const p = await withTimeout(readDataVersions(this.primary.db), pollTimeoutMs);
      this.#primaryWrites = p.writes;
      const last = this.#seen.at(-1);
      if (!last || p.writes > last.writes) this.#seen.push({ writes: p.writes, at: now() });
    } catch {
      // The primary unreachable: standbys keep their last state (reads go on from them).
    }
    await Promise.all(
      this.#standbys.map(async (s) => {
        try {
          const r = await withTimeout(
            sql<{ writes: number; recovery: boolean }>`SELECT writes, pg_is_in_recovery() AS recovery
              FROM data_version WHERE id = 1`.execute(s.direct ?? s.db),
            pollTimeoutMs,
          );
          const writes = Number(r.rows[0]?.writes ?? 0);
          const lagMs = this.#lagOf(writes);
          const state = lagMs <= this.#options.maxLagMs ? 'ok' : 'lagging';
          if (s.status.state !== state) this.say(`read replica ${s.name}: ${state} (lag ${lagMs} ms)`);
          s.status = { name: s.name, state, lagMs, writes };
        } catch (error) {
          if (s.status.state !== 'down')
            this.say(`read replica ${s.name}: down (${(error as Error).message})`);
          s.status = {
            name: s.name,
            state: 'down',
            lagMs: null,
            writes: null,
            error: (error as Error).message,
          };
        }
        if (this.#current === s && s.status.state !== 'ok') this.#current = null;
      }),
    );
    // Versions every standby has are no longer needed for the lag.
    let oldest = Number.POSITIVE_INFINITY;
    for (const s of this.#standbys) oldest = Math.min(oldest, s.status.writes ?? Number.POSITIVE_INFINITY);
    while (this.#seen.length > 1 && this.#seen[1]!.writes <= oldest) this.#seen.shift();
    const serving = this.servingWrites();
    if (serving !== null && serving > this.#advanced) {
      this.#advanced = serving;
      this.onAdvance?.(serving);
    }
  }

  /**
   * The `writes` version reads would be answered at now, as the last poll saw it (no query): the standby
   * reads would go to (its replayed version), else the primary's.
   */
  servingWrites(): number | null {
    return this.#choose(0)?.status.writes ?? this.#primaryWrites;
  }

  #lagOf(writes: number): number {
    if (this.#primaryWrites === null || writes >= this.#primaryWrites) return 0;
    const missing = this.#seen.find((x) => x.writes > writes);
    return missing ? Math.max(0, this.#options.now() - missing.at) : 0;
  }

  /** What /readyz and /metrics say: where reads go now and every standby's state. */
  status(): { reads: string; standbys: StandbyStatus[]; primaryWrites: number | null } {
    const reads = this.#choose(0)?.name ?? 'primary';
    return {
      reads,
      standbys: this.#standbys.map((s) => ({ ...s.status })),
      primaryWrites: this.#primaryWrites,
    };
  }

  /** Prometheus lines: the read target, each standby's state and lag. */
  prometheus(): string {
    const s = this.status();
    const lines = [
      '# HELP serviceatlas_read_database Where this replica reads (1 = the current read target).',
      '# TYPE serviceatlas_read_database gauge',
      `serviceatlas_read_database{database="${s.reads}"} 1`,
    ];
    if (s.standbys.length > 0) {
      lines.push(
        '# HELP serviceatlas_standby_up Whether a read standby answers and is within the allowed lag.',
        '# TYPE serviceatlas_standby_up gauge',
        ...s.standbys.map((x) => `serviceatlas_standby_up{standby="${x.name}"} ${x.state === 'ok' ? 1 : 0}`),
        '# HELP serviceatlas_standby_lag_ms How far a standby is behind the primary, in data versions.',
        '# TYPE serviceatlas_standby_lag_ms gauge',
        ...s.standbys
          .filter((x) => x.lagMs !== null)
          .map((x) => `serviceatlas_standby_lag_ms{standby="${x.name}"} ${x.lagMs}`),
      );
    }
    lines.push(
      '# HELP serviceatlas_reads_total Requests whose reads went to each database.',
      '# TYPE serviceatlas_reads_total counter',
      ...[...this.picks].map(([name, n]) => `serviceatlas_reads_total{database="${name}"} ${n}`),
    );
    return `${lines.join('\n')}\n`;
  }
}

/**
 * Runs `load` on `db` in one REPEATABLE READ transaction (PostgreSQL), so everything it reads — the
 * data version first — comes from one database snapshot and never mixes two versions. On the embedded
 * database (one process, one connection) the load runs as it is.
 */
export function consistentRead<T>(
  db: Kysely<Database>,
  transactional: boolean,
  load: (db: Kysely<Database> | Transaction<Database>) => Promise<T>,
): Promise<T> {
  if (!transactional) return load(db);
  return db
    .transaction()
    .setIsolationLevel('repeatable read')
    .setAccessMode('read only')
    .execute((trx) => load(trx));
}
