import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import { trimmedPostgis } from './postgis-bundle.js';

/** What starting the embedded database needs: plain data, so it can be sent to a worker thread. */
export interface PgliteStart {
  dataDir?: string;
  loadDataDir?: Blob;
  sharedBuffers?: string;
}

/**
 * Starts PGlite with the trimmed PostGIS (db/postgis-bundle.ts), in this thread: the main thread's
 * (client.ts) or the database worker's (pglite-worker.ts). The data-directory lock is the caller's.
 */
export async function startPglite(options: PgliteStart, say: (line: string) => void): Promise<PGlite> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { postgis } = await import('@electric-sql/pglite-postgis');
  const fresh = options.dataDir !== undefined && !hasCluster(options.dataDir);
  if (options.dataDir && fresh) {
    mkdirSync(options.dataDir, { recursive: true });
    say(`Creating the embedded PostGIS database in ${options.dataDir} (first start, ~15 s)…`);
  } else if (options.dataDir) {
    say(`Opening the embedded PostGIS database in ${options.dataDir}…`);
  }
  const started = Date.now();
  // PGlite's own start parameters, with shared_buffers added when asked (absent: PGlite's defaults).
  const defaults = (PGlite as unknown as { defaultStartParams?: string[] }).defaultStartParams;
  const startParams =
    options.sharedBuffers && defaults
      ? [...defaults, '-c', `shared_buffers=${options.sharedBuffers}`]
      : undefined;
  const pglite = await PGlite.create({
    ...(startParams ? { startParams } : {}),
    dataDir: options.dataDir,
    loadDataDir: options.loadDataDir,
    // A cluster on disk or from a dump has the extension already: it needs PostGIS's library, not its
    // install script.
    extensions: {
      postgis: trimmedPostgis(
        postgis,
        extensionCacheDir(options.dataDir),
        options.loadDataDir === undefined && (options.dataDir === undefined || fresh),
      ),
    },
  });
  if (fresh) say(`  cluster ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return pglite;
}

/**
 * Where the trimmed PostGIS bundle (db/postgis-bundle.ts) is kept: beside the embedded database it serves,
 * or, for an in-memory database (tests), in the user's temporary directory.
 */
function extensionCacheDir(dataDir: string | undefined): string {
  if (dataDir) return join(dataDir, 'serviceatlas-cache');
  let user = 'user';
  try {
    user = String(userInfo().uid);
  } catch {}
  return join(tmpdir(), `serviceatlas-cache-${user}`);
}

function hasCluster(dir: string): boolean {
  return existsSync(dir) && readdirSync(dir).includes('PG_VERSION');
}
