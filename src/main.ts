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
  const stop = async () => {
    say('Shutting down…');
    await running.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
