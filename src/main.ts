import { loadConfig } from './config.js';
import { startServer } from './server.js';

/** `npm start` / `serviceatlas serve`: the API on the configured database, demo data unless turned off. */
export async function main(options: { port?: number } = {}): Promise<void> {
  const config = loadConfig();
  const port = options.port ?? config.port;
  const say = (line: string) => console.log(line);
  say(
    `Serviceatlas: ${config.databaseUrl ? 'PostgreSQL server (DATABASE_URL)' : `embedded PostGIS in ${config.dataDir}`}`,
  );
  const running = await startServer({ config, port, progress: say });
  say(
    `Serviceatlas is ready: GraphQL at ${running.url}/graphql · demo map at ${running.url}/ · health at ${running.url}/readyz`,
  );
  // SIGTERM/SIGINT: stop accepting, let requests in flight finish (SERVICEATLAS_SHUTDOWN_TIMEOUT), close
  // the database (PGlite flushes) and release the data directory's lock, exit 0. A second signal cuts
  // the requests still running; the database is still closed properly.
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      say(`${signal} again: cutting ${running.inFlight()} request(s) still in flight…`);
      running.forceClose();
      return;
    }
    stopping = true;
    say(
      `${signal}: shutting down — finishing ${running.inFlight()} request(s) in flight ` +
        `(up to ${config.shutdownTimeoutSeconds} s)…`,
    );
    running.close().then(
      () => {
        say('Stopped: database closed.');
        process.exit(0);
      },
      (error: unknown) => {
        console.error(`Shutdown failed: ${(error as Error).stack ?? String(error)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}
