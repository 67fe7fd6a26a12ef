import type { Kysely } from 'kysely';
import { readCatalogue } from './catalogue.js';
import type { Config } from './config.js';
import type { DbHandle } from './db/client.js';
import type { AcquireOptions } from './db/data-dir-lock.js';
import { createDb } from './db/client.js';
import { migrateToLatest } from './db/migrate.js';
import type { Database } from './db/tables.js';
import { loadDemoData } from './demo/load.js';
import { timing } from './timings.js';
import { seedServiceTypes } from './modules/service-types/service-type.repository.js';

/** What every entry point (server, CLI, tests) shares: the database and the configuration. */
export interface App {
  config: Config;
  db: Kysely<Database>;
  handle: DbHandle;
  close(): Promise<void>;
}

export interface OpenAppOptions {
  /** Load the demo region into an empty database (default: config.demo). */
  demo?: boolean;
  progress?: (line: string) => void;
  /** Reuse an existing database handle (tests). */
  handle?: DbHandle;
  /** The embedded data directory's lock: who opens it (`serve`, `import settlements`…) and how long to wait. */
  lock?: Partial<AcquireOptions>;
  /** The embedded database's shared_buffers for this process (see CreateDbOptions). */
  sharedBuffers?: string;
  /** The embedded database in a worker thread (see CreateDbOptions; default SERVICEATLAS_PGLITE_WORKER). */
  pgliteWorker?: boolean;
}

/** Opens the database, applies migrations, seeds the catalogue and (optionally) the demo data. */
export async function openApp(config: Config, options: OpenAppOptions = {}): Promise<App> {
  const say = options.progress ?? (() => {});
  const handle =
    options.handle ??
    (await createDb({
      databaseUrl: config.databaseUrl,
      dataDir: config.dataDir,
      progress: say,
      lock: { waitMs: config.lockWaitSeconds * 1000, ...options.lock },
      ...(options.sharedBuffers ? { sharedBuffers: options.sharedBuffers } : {}),
      ...(options.pgliteWorker !== undefined ? { pgliteWorker: options.pgliteWorker } : {}),
    }));
  try {
    return await prepare(config, handle, options, say);
  } catch (error) {
    // A failed migration or demo load must not keep the data directory locked.
    if (!options.handle) await handle.close();
    throw error;
  }
}

async function prepare(
  config: Config,
  handle: DbHandle,
  options: OpenAppOptions,
  say: (line: string) => void,
): Promise<App> {
  const { db } = handle;
  const applied = await migrateToLatest(db as unknown as Kysely<unknown>);
  if (applied.length > 0) say(`Applied migrations: ${applied.join(', ')}`);
  timing('migrations checked');
  await seedServiceTypes(db, readCatalogue());
  timing('catalogue seeded');
  if (options.demo ?? config.demo) {
    const loaded = await loadDemoData(db, say, config.demoRegion);
    timing('demo data checked');
    if (loaded)
      say(`  demo data loaded: ${loaded.settlements} settlements, ${loaded.servicePoints} service points`);
  }
  return { config, db, handle, close: () => handle.close() };
}
