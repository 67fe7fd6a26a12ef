import type { Kysely } from 'kysely';
import type { Config } from './config.js';
import type { DataVersions } from './db/data-version.js';
import type { Database } from './db/tables.js';
import type { AnalysisSnapshot } from './modules/access/snapshot.js';

/** Which data a question is asked of: a date (history) and an instant (opening hours). */
export interface SnapshotQuery {
  /** YYYY-MM-DD; null = today. */
  asOf?: string | null;
  /** Only points open at this instant count. */
  at?: Date | null;
}

/**
 * What a use case needs (the use-case layer: `*.service.ts` functions `(deps, args) → result`): the
 * database, the configuration and the analysis snapshot. The GraphQL request context is one (resolvers pass
 * `ctx`), `Services.deps()` is another (the report, the CLI); a use case never sees the request, the viewer
 * or GraphQL, and says what went wrong with a DomainError (src/domain-error.ts).
 */
export interface Deps {
  db: Kysely<Database>;
  config: Config;
  /** The snapshot for a question (today's by default), cached by whoever supplies it. */
  snapshot(query?: SnapshotQuery): Promise<AnalysisSnapshot>;
}

/**
 * The long-lived services as the report and the map layers see them (the `Services` class is one, without
 * this file importing it): the data versions, so a cache notices writes, and the use cases' dependencies.
 */
export interface SharedDeps {
  db: Kysely<Database>;
  config: Config;
  versions(): Promise<DataVersions>;
  deps(): Deps;
}
