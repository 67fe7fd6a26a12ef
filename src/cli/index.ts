import { parseArgs } from 'node:util';
import { openApp } from '../app.js';
import { loadConfig } from '../config.js';
import type { Crs } from '../import/index.js';
import {
  ImportError,
  ImportOptionError,
  ImportValidationError,
  createProgressReporter,
  parseCrs,
  parseFormat,
} from '../import/index.js';
import { importFile } from '../modules/imports/import.service.js';
import { importAreas } from '../modules/areas/area-import.js';
import { runRoadImport } from './roads.js';
import { runAnalyseCommand } from './analyse.js';
import { CliError } from './errors.js';

const USAGE = `Usage:
  serviceatlas serve [--port 4000]
  serviceatlas import settlements <file> [--format geojson|csv] [--crs EPSG:4326|EPSG:3006] [--map ours=theirs,…]
  serviceatlas import service-points <file> [--format geojson|csv|osm] [--crs …] [--map …] [--type-map value=CODE,…]
  serviceatlas import areas <file.geojson> --level MUNICIPALITY|COUNTY [--map code=kommunkod,name=kommunnamn]
  serviceatlas import roads <file.osm.pbf|.osm|.osm.gz|.osm.bz2|.geojson> [--format osm|pbf|geojson]
                            [--map highway=…,maxspeed=…,oneway=…] [--crs EPSG:4326|EPSG:3006] [--speeds <file.json>]
                            (replaces the whole stored road network)
  serviceatlas analyse deserts --service-type GROCERY [--area <municipality or county code>] [--threshold <minutes>]
                               [--format csv|geojson] [--output <file>]

Storage: DATABASE_URL (PostgreSQL + PostGIS) or the embedded database in SERVICEATLAS_DATA_DIR (./.serviceatlas).
Exit codes: 0 ok, 1 bad input, 2 internal error.`;

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
    if (command === 'import') return await runImport(rest);
    if (command === 'analyse' || command === 'analyze') return await runAnalyseCommand(rest);
    throw new CliError(`unknown command "${command}"\n${USAGE}`);
  } catch (error) {
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

async function runImport(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      format: { type: 'string' },
      crs: { type: 'string', default: 'EPSG:4326' },
      map: { type: 'string' },
      'type-map': { type: 'string' },
      source: { type: 'string' },
      level: { type: 'string' },
      speeds: { type: 'string' },
    },
  });
  const [kind, file] = positionals;
  if (
    !file ||
    (kind !== 'settlements' && kind !== 'service-points' && kind !== 'areas' && kind !== 'roads')
  ) {
    throw new CliError(
      `import needs a kind (settlements, service-points, areas or roads) and a file\n${USAGE}`,
    );
  }
  if (kind === 'roads') return runRoadImport(file, values);
  const config = loadConfig();
  const app = await openApp(config, { demo: false, progress: (l) => console.error(l) });
  try {
    if (kind === 'areas') {
      const level = values.level?.toUpperCase();
      if (level !== 'MUNICIPALITY' && level !== 'COUNTY')
        throw new CliError('--level must be MUNICIPALITY or COUNTY');
      const n = await importAreas(app.db, { file, level, map: values.map });
      console.log(`Imported ${n} ${level === 'COUNTY' ? 'counties' : 'municipalities'} from ${file}`);
      return 0;
    }
    const crs: Crs = parseCrs(values.crs);
    const summary = await importFile(app.db, {
      kind,
      file,
      format: values.format ? parseFormat(values.format) : undefined,
      crs,
      map: values.map,
      typeMap: values['type-map'],
      source: values.source,
      progress: createProgressReporter(`Importing ${kind}`),
    });
    console.log(
      `Imported ${kind} from ${file} (${summary.format}): ${summary.valid} valid rows — ` +
        `${summary.inserted} inserted, ${summary.updated} updated, ${summary.skipped} skipped (import run ${summary.importRunId})`,
    );
    for (const [reason, count] of Object.entries(summary.skippedReasons))
      console.log(`  skipped ${count}: ${reason}`);
    return 0;
  } finally {
    await app.close();
  }
}
