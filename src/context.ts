import DataLoader from 'dataloader';
import type { Viewer } from './auth.js';
import type { Kysely } from 'kysely';
import type { Config } from './config.js';
import type { Database } from './db/tables.js';
import type { AnalysisSnapshot } from './modules/access/snapshot.js';
import type { ServicePoint } from './modules/service-points/service-point.repository.js';
import { findServicePoints } from './modules/service-points/service-point.repository.js';
import type { Settlement } from './modules/settlements/settlement.repository.js';
import { findSettlementsByIds } from './modules/settlements/settlement.repository.js';
import type { DataVersions } from './db/data-version.js';
import type { ReadTarget } from './db/read-replicas.js';
import type { SnapshotQuery } from './deps.js';
import type { Services } from './services.js';

export type { Viewer };

/** Set by the response-cache plugin (graphql/response-cache.ts) when the operation's answer may be kept. */
export interface CacheNote {
  cacheable: boolean;
  /** Set once the operation is known to be a mutation (its answer then names the primary's version). */
  mutation?: boolean;
}

/**
 * Per-request context: the database, request-scoped DataLoaders, the viewer and the shared services. It is
 * a use case's `Deps` (db, config, snapshot), so resolvers pass it on as it is.
 */
export interface Context {
  db: Kysely<Database>;
  config: Config;
  viewer: Viewer;
  services: Services;
  loaders: Loaders;
  /**
   * The analysis snapshot, fetched (version-checked) at most once per request; with `asOf`/`at`, the data
   * as it stood on that date and only the points open at that instant (cached by the services).
   */
  snapshot(query?: SnapshotQuery): Promise<AnalysisSnapshot>;
  /**
   * The request's snapshot (no asOf/at) once snapshot() has delivered it, else undefined: lets a field read
   * thousands of times a page (Settlement.access) answer without a promise each time.
   */
  readySnapshot?(): AnalysisSnapshot | undefined;
  /** Set by the response-cache plugin when this request's answer may be kept (HTTP requests only). */
  cacheNote?: CacheNote;
  /** The data versions this request was read at (HTTP requests); else ask services.versions(). */
  versions?: DataVersions;
}

/** What the HTTP handler already knows about a request when it builds the context. */
export interface RequestKnown {
  /** The data versions read for this request (the snapshot then needs no second look-up). */
  versions?: DataVersions;
  /** Where the versions were read (a standby or the primary): the request's reads go there too. */
  target?: ReadTarget;
  cacheNote?: CacheNote;
}

export interface Loaders {
  settlement: DataLoader<string, Settlement | null>;
  servicePoint: DataLoader<string, ServicePoint | null>;
}

function byId<T extends { id: string }>(rows: T[], keys: readonly string[]): (T | null)[] {
  const map = new Map(rows.map((r) => [r.id, r]));
  return keys.map((k) => map.get(k) ?? null);
}

/** Ids are PostgreSQL `integer`s: anything else (2147483648, "0x10", "1e3") cannot exist, and must not reach SQL. */
const MAX_ID = 2_147_483_647;
const toIds = (keys: readonly string[]) =>
  keys.filter((k) => /^[1-9]\d{0,9}$/.test(k) && Number(k) <= MAX_ID).map(Number);

/** New loaders for every request, so nothing cached outlives it. */
export function createLoaders(db: Kysely<Database>): Loaders {
  return {
    settlement: new DataLoader(async (keys) => byId(await findSettlementsByIds(db, toIds(keys)), keys), {
      maxBatchSize: 1000,
    }),
    servicePoint: new DataLoader(
      async (keys) => byId(await findServicePoints(db, { ids: toIds(keys) }), keys),
      {
        maxBatchSize: 1000,
      },
    ),
  };
}

/** Builds the context of one request. */
export function createContext(services: Services, viewer: Viewer, known: RequestKnown = {}): Context {
  let snapshot: Promise<AnalysisSnapshot> | null = null;
  let ready: AnalysisSnapshot | undefined;
  // Reads go where the versions were read (a hot standby, or the primary); a mutation is moved to the
  // primary before it runs (onPrimary, called by graphql/server.ts once the operation is known).
  const db = known.target?.db ?? services.db;
  return {
    db,
    config: services.config,
    viewer,
    services,
    loaders: createLoaders(db),
    snapshot: (query) => {
      if (query && (query.asOf != null || query.at != null)) return services.snapshotFor(query);
      if (!snapshot) {
        snapshot = services.snapshot(known.versions, known.target);
        snapshot.then(
          (s) => {
            ready = s;
          },
          () => {},
        );
      }
      return snapshot;
    },
    readySnapshot: () => ready,
    ...(known.cacheNote ? { cacheNote: known.cacheNote } : {}),
    ...(known.versions ? { versions: known.versions } : {}),
  };
}

/** Moves a request's reads to the primary (a mutation, or a read of keys or audit): writes never go to a standby. */
export function onPrimary(ctx: Context): void {
  if (ctx.db === ctx.services.db) return;
  ctx.db = ctx.services.db;
  ctx.loaders = createLoaders(ctx.db);
}
