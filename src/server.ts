import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname } from 'node:path';
import type { App } from './app.js';
import { authenticate, unauthenticatedMessage } from './auth.js';
import { openApp } from './app.js';
import type { Config } from './config.js';
import { loadConfig } from './config.js';
import type { ResponseCache } from './graphql/response-cache.js';
import { createGraphQLHandler } from './graphql/server.js';
import { schema } from './graphql/schema.js';
import { readiness } from './http/health.js';
import type { Logger } from './logger.js';
import { createLogger } from './logger.js';
import { SharedTables } from './modules/access/shared-tables.js';
import { tableCacheDirFor } from './modules/access/table-cache.js';
import { Services } from './services.js';
import { readRouterFor } from './db/read-replicas.js';
import { VersionListener } from './db/version-listener.js';
import { timing } from './timings.js';
import { createHttpExtensions } from './http/extensions.js';
import { publicBaseUrl } from './http/public-url.js';
import { trackRequests } from './http/drain.js';
import { INTERNAL_COMMAND_PATH, createInternalCommand } from './http/internal-command.js';
import { createHygienicServer, isClientAbort, logClientAbort } from './http/hygiene.js';
import { requestUrl } from './http/request-url.js';
import { INTERNAL_IMPORT_PATH, createInternalImport } from './http/internal-import.js';
import { createOgcRoutes, isOgcPath } from './ogc/node-http.js';
import { analysisPoolFor } from './workers/analysis-pool.js';

export interface StartServerOptions {
  config?: Config;
  port?: number;
  /** Load the demo region into an empty database (default: config). */
  demo?: boolean;
  /** An already opened app (tests). */
  app?: App;
  progress?: (line: string) => void;
  /** The logger (tests capture refusal logs); default pino on stderr at config.logLevel. */
  log?: Logger;
}

export interface RunningServer {
  url: string;
  app: App;
  services: Services;
  /** The GraphQL response cache (tests read its counters). */
  responseCache: ResponseCache;
  server: Server;
  /** Requests in flight (for shutdown messages). */
  inFlight(): number;
  /** Cuts the connections still in flight at once (a second SIGTERM/SIGINT during close). */
  forceClose(): void;
  /** Stops accepting, drains in-flight requests (config.shutdownTimeoutSeconds), closes the database. */
  close(): Promise<void>;
}

/** Opens the database and serves GraphQL at /graphql, health at /healthz and /readyz, tiles and the demo map. */
export async function startServer(options: StartServerOptions = {}): Promise<RunningServer> {
  const config = options.config ?? loadConfig();
  const log = options.log ?? createLogger(config.logLevel);
  const app =
    options.app ??
    (await openApp(config, {
      demo: options.demo,
      progress: options.progress,
      lock: { command: 'serve' },
      // The server runs the embedded database in a worker thread of its own unless told not to: its SQL (a
      // reload after a write, a dated period's first load, a polygon's PostGIS tests, an import's writes)
      // then leaves /healthz and light reads alone. CLI commands keep it in their thread (SERVICEATLAS_PGLITE_WORKER=on
      // moves them too): a second isolate costs them ~96 MB and they serve nobody while they wait.
      pgliteWorker: process.env.SERVICEATLAS_PGLITE_WORKER !== 'off',
    }));
  // With the embedded data directory locked by this server, `serviceatlas import` comes through here.
  const lock = app.handle.lock;
  const internalImport = lock ? createInternalImport({ db: app.db, secret: lock.secret, log }) : null;
  // Reads from hot standbys when DATABASE_READ_URL names some (src/db/read-replicas.ts); else the primary.
  const reads = readRouterFor(
    app.db,
    config.databaseUrl ? config.readReplicas.urls : [],
    config.readReplicas,
    (line) => log.info(line),
  );
  await reads.start();
  const tableCacheDir = tableCacheDirFor(config.tableCacheDir, lock ? dirname(lock.path) : undefined);
  // With PostgreSQL, a data version's access tables are built by one replica and loaded by the others.
  const sharedTables = config.databaseUrl && config.sharedTables ? new SharedTables(app.db) : null;
  const services = new Services(app.db, config, log, {
    tableCacheDir,
    saveTables: true,
    reads,
    sharedTables,
  });
  // PostgreSQL: the primary's write notifications, so this replica reloads within moments of a write made
  // through any other (src/db/version-listener.ts); the embedded database hears its own in-process.
  const listener = config.databaseUrl
    ? new VersionListener(
        config.databaseUrl,
        (v) => services.announced(v),
        (line) => log.info(line),
      )
    : null;
  await listener?.start();
  // …and so do the other commands (analyse, report, keys, audit): the same command functions, run here.
  const internalCommand = lock
    ? createInternalCommand({ db: app.db, config, services, secret: lock.secret, log })
    : null;
  timing('database open, services made');
  const graphql = await createGraphQLHandler(schema, services, config, log);
  timing('GraphQL handler started');
  const extensions = await createHttpExtensions(services);
  timing('HTTP extensions made');
  const ogc = createOgcRoutes(services, log);

  const route = async (req: IncomingMessage, res: ServerResponse) => {
    const url = requestUrl(req.url);
    if (!url)
      return sendJson(res, 400, {
        error: { code: 'BAD_REQUEST', message: 'The request target is not a path (origin-form /path?query)' },
      });
    if (internalImport && url.pathname === INTERNAL_IMPORT_PATH) return internalImport(req, res);
    if (internalCommand && url.pathname === INTERNAL_COMMAND_PATH) return internalCommand(req, res);
    if (url.pathname === '/graphql') return graphql.handle(req, res, url);
    if (url.pathname === '/healthz') return sendJson(res, 200, { status: 'ok' });
    if (isOgcPath(url.pathname)) return ogc(req, res, publicBaseUrl(req, config));
    if (url.pathname === '/metrics') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
      return res.end(
        services.refusals.prometheus() +
          reads.prometheus() +
          partitionMetrics(services) +
          (sharedTables?.prometheus() ?? '') +
          (listener?.prometheus() ?? ''),
      );
    }
    // Tiles and reports take tokens from the same rate limits as /graphql (per key, else per IP).
    const limited = url.pathname.startsWith('/tiles') || url.pathname.startsWith('/reports/');
    const viewer = limited ? await authenticate(req.headers.authorization, services) : null;
    if (viewer && !graphql.guard.admit(req, res, viewer, 'plain')) return;
    if (config.readAuth === 'key' && url.pathname.startsWith('/tiles') && viewer) {
      if (!viewer.principal) {
        const message = unauthenticatedMessage(viewer, 'Tiles on this server');
        res.setHeader('www-authenticate', 'Bearer');
        return sendJson(res, 401, { error: { code: 'UNAUTHENTICATED', message } });
      }
    }
    if (url.pathname === '/readyz') {
      const r = await readiness(app.db);
      // Where this replica reads and each standby's lag: a standby down is no reason to be unready (reads
      // then go to the primary), so it is reported, never failed on.
      const replication = reads.replicated ? { replication: reads.status() } : {};
      const partition = services.partitionStatus();
      // The versions this replica knows without asking (a write elsewhere shows here within moments).
      const dataVersion = listener
        ? { dataVersion: { ...services.versionReport(), listener: listener.state } }
        : {};
      return sendJson(res, r.ready ? 200 : 503, {
        status: r.ready ? 'ready' : 'not ready',
        ...r.detail,
        ...replication,
        ...(partition ? { partition } : {}),
        ...dataVersion,
      });
    }
    const handled = await extensions.handle(req, res, url, publicBaseUrl(req, config));
    if (!handled)
      sendJson(res, 404, { error: { code: 'NOT_FOUND', message: `No route for ${url.pathname}` } });
  };

  const server = createHygienicServer(config.http, log, (req, res) => {
    route(req, res).catch((error: unknown) => {
      if (isClientAbort(error)) {
        logClientAbort(log, req, error);
        if (!res.writableEnded) res.destroy();
        return;
      }
      log.error({ err: error, url: req.url }, 'request failed');
      if (!res.headersSent)
        sendJson(res, 500, { error: { code: 'INTERNAL_SERVER_ERROR', message: 'Internal error' } });
      else res.end();
    });
  });
  const drainer = trackRequests(server);
  // The analysis snapshot is loaded before the port opens: on the embedded backend its SQL runs in PGlite
  // on this thread (seconds on a large data set), and the first request after a start (a report, an OGC
  // collection, any analysis) used to stall every other one, /healthz included, while it loaded.
  // The snapshot's rows are read while the analysis threads boot; its tables are built on the threads once
  // they are up (not here), or, on a restart, adopted from the table cache without waiting for them.
  options.progress?.('Loading the analysis snapshot…');
  const warming = analysisPoolFor(config.limits.analysisWorkers).warmUp();
  services.threadsBooting = warming;
  await services.snapshot().catch((error: unknown) => {
    log.warn(
      { err: error },
      'the analysis snapshot could not be loaded at start; the first request loads it',
    );
  });
  await warming;
  services.threadsBooting = null;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? config.port, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  lock?.setPort(port);
  timing('listening');
  return {
    url: `http://localhost:${port}`,
    app,
    services,
    responseCache: graphql.cache,
    server,
    inFlight: drainer.inFlight,
    forceClose: drainer.force,
    close: async () => {
      const drained = await drainer.close(config.shutdownTimeoutSeconds * 1000);
      if (drained.forced)
        log.warn({ unfinished: drained.unfinished }, 'shutdown: cut requests still in flight');
      await graphql.stop();
      await listener?.close();
      await reads.close();
      if (!options.app) await app.close();
    },
  };
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}

/** /metrics lines of a regional partition (SERVICEATLAS_REGIONS): one per region held, and what it loaded. */
function partitionMetrics(services: Services): string {
  const p = services.partitionStatus();
  if (!p) return '';
  const lines = [
    '# HELP serviceatlas_region_held A region (county or municipality code) this partition holds.',
    '# TYPE serviceatlas_region_held gauge',
    ...p.regions.map((r) => `serviceatlas_region_held{region=${JSON.stringify(r)}} 1`),
    "# HELP serviceatlas_partition_rows Rows in the partition's current snapshot (origins, and points with the halo).",
    '# TYPE serviceatlas_partition_rows gauge',
  ];
  for (const kind of ['settlements', 'gridCells', 'points'] as const) {
    const n = p[kind];
    if (n !== undefined) lines.push(`serviceatlas_partition_rows{kind="${kind}"} ${n}`);
  }
  return `${lines.join('\n')}\n`;
}
