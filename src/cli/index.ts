import { DataDirBusyError } from '../db/data-dir-lock.js';
import { ImportError, ImportOptionError, ImportValidationError } from '../import/index.js';
import { runAnalyseCommand } from './analyse.js';
import { CliError } from './errors.js';
import { runImport } from './import.js';

const USAGE = `Usage:
  serviceatlas serve [--port 4000]
  serviceatlas import settlements <file> [--format geojson|csv] [--crs EPSG:4326|EPSG:3006] [--map ours=theirs,…]
  serviceatlas import service-points <file> [--format geojson|csv|osm] [--crs …] [--map …] [--type-map value=CODE,…]
  serviceatlas import areas <file.geojson> --level MUNICIPALITY|COUNTY [--map code=kommunkod,name=kommunnamn]
  serviceatlas analyse deserts --service-type GROCERY [--area <municipality or county code>] [--threshold <minutes>]
                               [--format csv|geojson] [--output <file>]
  import and analyse take --wait <seconds>: how long to wait for another command holding the embedded
  database (default SERVICEATLAS_LOCK_WAIT, 5 s). With a server running on it, imports go through the server.

Storage: DATABASE_URL (PostgreSQL + PostGIS) or the embedded database in SERVICEATLAS_DATA_DIR (./.serviceatlas).
Exit codes: 0 ok, 1 bad input, 2 internal error, 3 busy (the embedded database is in use; nothing changed).`;

/** Runs one CLI command; returns the exit code (0 ok, 1 bad input, 2 internal error). */
export async function runCli(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (!command || command === '--help' || command === 'help') {
      console.log(USAGE);
      return command ? 0 : 1;
    }
    if (command === 'serve') {
      const { main } = await import('../main.js');
      await main(rest);
      return -1; // keeps running
    }
    if (command === 'import') return await runImport(rest, USAGE);
    if (command === 'analyse' || command === 'analyze') return await runAnalyseCommand(rest);
    throw new CliError(`unknown command "${command}"\n${USAGE}`);
  } catch (error) {
    if (error instanceof DataDirBusyError) {
      console.error(`serviceatlas: ${error.message}`);
      return 3;
    }
    if (
      error instanceof CliError ||
      error instanceof ImportValidationError ||
      error instanceof ImportError ||
      error instanceof ImportOptionError
    ) {
      console.error(`serviceatlas: ${error.message}`);
      return 1;
    }
    console.error(`serviceatlas: internal error: ${(error as Error).stack ?? String(error)}`);
    return 2;
  }
}
