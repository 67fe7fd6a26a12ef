// Only light modules are imported here: `--help`, and a command sent through a running server, never load
// the application (its database, GraphQL schema and engine: ~5 s). A command that runs in this process
// loads its module when it runs (runNamed, and the import action).
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { loadConfig } from '../config.js';
import { DataDirBusyError, readLockHolder } from '../db/data-dir-lock.js';
import { ImportError, ImportOptionError, ImportValidationError } from '../import/errors.js';
import type { AnalyseDesertsOptions } from './analyse.js';
import type { AnalyseCapacityOptions } from './analyse-capacity.js';
import type { AnalyseEServiceOptions } from './analyse-eservice.js';
import type { AuditExportOptions } from './audit.js';
import { CliError } from './errors.js';
import type { ImportCliOptions } from './import-job.js';
import type { KeysCreateOptions } from './keys.js';
import type { ReportCliOptions } from './report.js';
import { isReadyServer, sendThroughServer } from './through-server.js';

/**
 * Runs the command called `name` (cli/commands.ts): straight through the server when one holds the
 * embedded data directory (this process then loads nothing more), else here, loading the command's module.
 */
async function runNamed<O extends { wait?: string | undefined }>(name: string, options: O): Promise<number> {
  const config = loadConfig();
  if (!config.databaseUrl) {
    const holder = readLockHolder(config.dataDir);
    if (isReadyServer(holder)) {
      const { wait: _wait, ...sent } = options;
      await sendThroughServer(config.dataDir, holder, name, sent);
      return 0;
    }
  }
  const { COMMANDS, runCliCommand } = await import('./commands.js');
  const command = COMMANDS.get(name);
  if (!command) throw new Error(`no CLI command named ${name}`);
  return runCliCommand(command, options);
}

/**
 * `import <kind> <file>`: straight through the server when one holds the embedded data directory (the file
 * is streamed to it; this process loads no importer), else here (import.ts). Roads with a URL, --clip,
 * --sha256 or --allow-http go the long way: the download, checksum and clip path come first.
 */
async function runImportNamed(kind: string, file: string, options: ImportCliOptions): Promise<number> {
  const config = loadConfig();
  const plainFile =
    kind !== 'roads' ||
    (options.clip === undefined &&
      options.sha256 === undefined &&
      !options.allowHttp &&
      !(await import('../import/roads/download.js')).isUrlArgument(file));
  if (plainFile && !config.databaseUrl) {
    const holder = readLockHolder(config.dataDir);
    if (holder && isReadyServer(holder)) {
      const { importJobOf, parseWait } = await import('./import-job.js');
      const job = importJobOf(kind, file, options);
      const waitMs = parseWait(options.wait, config.lockWaitSeconds);
      const { importThroughServer } = await import('./remote-import.js');
      return importThroughServer(config.dataDir, holder, job, waitMs);
    }
  }
  return (await import('./import.js')).runImport(kind, file, options);
}

const STORAGE_NOTE = `
Storage: DATABASE_URL (PostgreSQL + PostGIS) or the embedded database in SERVICEATLAS_DATA_DIR (./.serviceatlas).
Commands wait up to --wait <seconds> (default SERVICEATLAS_LOCK_WAIT, 5 s) for another command holding the
embedded database; with a server running on it, every command goes through the server (and says so on
stderr), with the same output. Read commands (analyse, report, audit, keys list) refuse to run where no data
directory exists instead of creating an empty one.
Exit codes: 0 ok, 1 bad input (including bad options), 2 internal error, 3 busy (the embedded database is in
use; nothing changed).`;

/** A TCP port from the command line, refused (exit 1) unless an integer 0..65535. */
function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d{1,5}$/.test(value) || port > 65535)
    throw new InvalidArgumentError('must be an integer 0..65535.');
  return port;
}

/**
 * The command tree. Commander prints help for `--help` on every command and subcommand (exit 0) and
 * refuses unknown commands, unknown options, missing arguments and bad choices with a message; `runCli`
 * turns those into exit 1. To add an import kind, call `addImportKind`; other commands are one
 * `program.command(…)` each.
 */
export function buildProgram(setExitCode: (code: number) => void): Command {
  const program = new Command('serviceatlas')
    .description('Serviceatlas: access to services for every settlement, as a GraphQL API and a CLI.')
    .addHelpText('after', STORAGE_NOTE)
    .exitOverride()
    .showHelpAfterError('(add --help for usage)')
    .showSuggestionAfterError(true);

  program
    .command('serve')
    .description('Serve the GraphQL API, tiles and the demo map.')
    .option('--port <port>', 'TCP port (default: PORT or 4000)', parsePort)
    .action(async (opts: { port?: number }) => {
      const { main } = await import('../main.js');
      await main(opts);
      setExitCode(-1); // keeps running
    });

  const importCommand = program
    .command('import')
    .description('Import settlements, service points, area boundaries or a road network into the database.');
  const addImportKind = (name: string, description: string, configure: (c: Command) => Command = (c) => c) =>
    configure(
      importCommand
        .command(name)
        .description(description)
        .argument('<file>', 'the file to import')
        .option('--map <pairs>', 'field mapping, ours=theirs,… (e.g. name=tatort,population=befolkning_2020)')
        .option('--source <name>', 'source label recorded with the rows and the import run')
        .option('--wait <seconds>', 'wait this long for another command holding the embedded database'),
    ).action(async (file: string, opts: ImportCliOptions) =>
      setExitCode(await runImportNamed(name, file, opts)),
    );

  const withFormatAndCrs = (formats: string[]) => (c: Command) =>
    c
      .option('--format <format>', `file format: ${formats.join('|')} (default: from the extension)`)
      .option('--crs <crs>', 'coordinate system of the file: EPSG:4326 or EPSG:3006', 'EPSG:4326');
  const withAsOf = (c: Command) =>
    c.option(
      '--as-of <date>',
      'the file is the complete yearly snapshot on this date (YYYY-MM-DD) for its service types / settlement ' +
        'kinds (or its --source): rows missing from it are closed from that date; rows are matched by externalId',
    );
  addImportKind('settlements', 'Import settlements (tätorter, småorter, grid cells).', (c) =>
    withAsOf(withFormatAndCrs(['geojson', 'csv'])(c)),
  );
  addImportKind('service-points', 'Import service points (shops, pharmacies, schools …).', (c) =>
    withAsOf(withFormatAndCrs(['geojson', 'csv', 'osm'])(c)).option(
      '--type-map <pairs>',
      'source values onto service-type codes, value=CODE,… (e.g. pharmacy=PHARMACY)',
    ),
  );
  addImportKind('areas', 'Import municipality or county boundaries (GeoJSON).', (c) =>
    c.requiredOption('--level <level>', 'which areas the file holds: MUNICIPALITY or COUNTY'),
  );
  addImportKind(
    'roads',
    'Import a road network (OpenStreetMap .osm.pbf, .osm, .osm.gz, .osm.bz2, or GeoJSON lines); ' +
      'replaces the whole stored network in one transaction.',
    (c) =>
      withFormatAndCrs(['osm', 'pbf', 'geojson'])(c)
        .option(
          '--speeds <file.json>',
          'speed table overriding data/road-speeds.json (km/h per road class, ferry speed)',
        )
        .option(
          '--clip <area>',
          'keep only roads with a node inside: a county (2 digits) or municipality (4 digits) code whose ' +
            'boundary is imported, or a GeoJSON polygon file; ways are kept whole (OSM files)',
        )
        .option('--sha256 <hex>', 'expected SHA-256 of the file or download; a mismatch imports nothing')
        .option('--allow-http', 'with a URL: accept plain http (refused by default)')
        .addHelpText(
          'after',
          '\n<file> may be an https URL (e.g. https://download.geofabrik.de/europe/sweden-latest.osm.pbf): it is\n' +
            'downloaded into <data dir>/downloads first, resumably (run the command again after a cut), then imported.',
        ),
  );

  addImportKind(
    'grid',
    'Import population grid squares (SCB 1 km or 250 m: rutid, or corner/centre coordinates, or GeoJSON ' +
      'polygons); replaces the stored grid in one transaction unless --append.',
    (c) =>
      withFormatAndCrs(['csv', 'geojson'])(c)
        .option('--cell-size <metres>', 'square size (default: read from SCB rutids, 1000 or 250)')
        .option('--append', 'add to / update the stored grid instead of replacing it (same square size)'),
  );

  addImportKind(
    'connectivity',
    'Import connectivity figures (CSV): fixed-broadband share (0..1) and optionally the gigabit share and mobile ' +
      'coverage per municipality, per settlement (by externalId) or per population square (by cellId/rutid), ' +
      'e.g. PTS broadband mapping or Kolada; upserted by area, finer data wins over coarser in every answer.',
    (c) =>
      c
        .requiredOption(
          '--level <level>',
          'which areas the rows describe: MUNICIPALITY (key column municipalityCode), SETTLEMENT (externalId) or GRID (cellId)',
        )
        .option('--format <format>', 'file format: csv (default: from the extension)')
        .option(
          '--as-of <date>',
          'the date the figures stand on (YYYY-MM-DD; PTS publishes as of 1 October yearly)',
        )
        .option(
          '--licence <licence>',
          'the licence of the figures, kept with them (e.g. "CC0", "PTS open data")',
        ),
  );

  const analyse = program
    .command('analyse')
    .alias('analyze')
    .description('Run an analysis and write the result as CSV or GeoJSON.');
  analyse
    .command('deserts')
    .description('Settlements beyond the access threshold for a service type.')
    .requiredOption('--service-type <code>', 'service-type code, e.g. GROCERY')
    .option('--area <code>', '4-digit municipality or 2-digit county code')
    .option('--threshold <minutes>', 'threshold in minutes (default: the service type’s)')
    .addOption(new Option('--format <format>', 'output format').choices(['csv', 'geojson']).default('csv'))
    .option('--wait <seconds>', 'wait this long for another command holding the embedded database')
    .option('--output <file>', 'write here (CSV: also <file>t, the column types for GDAL) instead of stdout')
    .action(async (opts: AnalyseDesertsOptions) => setExitCode(await runNamed('analyse deserts', opts)));

  analyse
    .command('capacity')
    .description(
      'Capacity-aware access (2SFCA): need, places inside, places reachable and shortfall per municipality and county.',
    )
    .requiredOption('--service-type <code>', 'service-type code, e.g. ELDERLY_CARE')
    .option('--area <code>', '4-digit municipality or 2-digit county code (whose residents)')
    .option('--threshold <minutes>', 'threshold in minutes (default: the service type’s)')
    .option(
      '--demand <base>',
      'demand base: POPULATION, AGE_65_PLUS or AGE_80_PLUS (default: the need rule’s)',
    )
    .addOption(new Option('--format <format>', 'output format').choices(['csv', 'geojson']).default('csv'))
    .option('--wait <seconds>', 'wait this long for another command holding the embedded database')
    .option('--output <file>', 'write here instead of stdout')
    .action(async (opts: AnalyseCapacityOptions) => setExitCode(await runNamed('analyse capacity', opts)));
  analyse
    .command('e-service')
    .description(
      'E-service targets: resident origins (population squares where a grid is loaded, settlements elsewhere) ' +
        'beyond the threshold where the type’s e-service could close the gap — connectivity sufficient or ' +
        'unknown (connectivityKnown 0) — ranked by potential users.',
    )
    .requiredOption('--service-type <code>', 'service-type code, e.g. PHARMACY')
    .option('--area <code>', '4-digit municipality or 2-digit county code (whose residents)')
    .option('--threshold <minutes>', 'threshold in minutes (default: the service type’s)')
    .option(
      '--min-broadband-share <share>',
      'broadband share 0..1 an e-service needs (default: the server setting)',
    )
    .option(
      '--weight-65-plus <weight>',
      'extra weight 0..1 of residents aged 65+ in potentialUsers (default 0)',
    )
    .option('--known-connectivity-only', 'leave out origins whose connectivity is unknown')
    .addOption(new Option('--format <format>', 'output format').choices(['csv', 'geojson']).default('csv'))
    .option('--wait <seconds>', 'wait this long for another command holding the embedded database')
    .option(
      '--output <file>',
      'write here instead of stdout (CSV: also <name>.csvt with the column types and <name>.prj, EPSG:4326)',
    )
    .action(async (opts: AnalyseEServiceOptions) => setExitCode(await runNamed('analyse e-service', opts)));
  const keys = program
    .command('keys')
    .description(
      'Manage API keys (roles reader, planner, admin; planners scoped to municipalities/counties). Needs SERVICEATLAS_KEY_SECRET.',
    );
  keys
    .command('create')
    .description(
      'Create a key; it is printed once, as the last line of stdout (only a keyed hash is stored).',
    )
    .addOption(
      new Option('--role <role>', 'what the key may do')
        .choices(['reader', 'planner', 'admin'])
        .makeOptionMandatory(),
    )
    .option(
      '--municipality <codes>',
      'planner scope: 4-digit municipality codes, comma-separated (e.g. 2085,2084)',
    )
    .option('--county <codes>', 'planner scope: 2-digit county codes, comma-separated (e.g. 20)')
    .option('--name <name>', 'a name for lists and the audit trail (e.g. "Ludvika planning office")')
    .option('--wait <seconds>', 'wait this long for another command holding the embedded database')
    .action(async (opts: KeysCreateOptions) => setExitCode(await runNamed('keys create', opts)));
  keys
    .command('list')
    .description('List keys: id, role, scope, name, created, revoked (never a secret).')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .option('--wait <seconds>', 'wait this long for another command holding the embedded database')
    .action(async (opts: { wait?: string; format?: string }) =>
      setExitCode(await runNamed('keys list', opts)),
    );
  keys
    .command('revoke')
    .description('Revoke a key: refused from the next request on.')
    .argument('<id>', 'the key id (k_…), from `keys list`')
    .option('--wait <seconds>', 'wait this long for another command holding the embedded database')
    .action(async (id: string, opts: { wait?: string }) =>
      setExitCode(await runNamed('keys revoke', { ...opts, id })),
    );

  program
    .command('audit')
    .description('The audit trail of accepted writes.')
    .command('export')
    .description('Export the audit trail (oldest first) as CSV or JSON, e.g. for the municipality’s records.')
    .requiredOption('--since <date>', 'from this date or ISO 8601 instant (inclusive)')
    .option('--until <date>', 'before this date or instant (exclusive)')
    .option('--actor <id>', 'only writes by this key id')
    .option('--action <action>', 'only this action, e.g. servicePoint.create')
    .option('--entity <entity>', 'only servicePoint, settlement or scenario')
    .addOption(new Option('--format <format>', 'output format').choices(['csv', 'json']).default('csv'))
    .option('--output <file>', 'write here instead of stdout')
    .option('--wait <seconds>', 'wait this long for another command holding the embedded database')
    .action(async (opts: AuditExportOptions) => setExitCode(await runNamed('audit export', opts)));
  program
    .command('report')
    .description('Write a printable report.')
    .command('municipality')
    .description('The municipal service plan (HTML, A4 print; or its tables as a zip of CSV files).')
    .argument('<code>', '4-digit SCB municipality code, e.g. 2085')
    .option('--output <file>', 'write here instead of stdout (e.g. plan.html, or plan.zip with --format csv)')
    .addOption(new Option('--lang <lang>', 'language of the headings').choices(['sv', 'en']).default('sv'))
    .addOption(new Option('--format <format>', 'output format').choices(['html', 'csv']).default('html'))
    .option('--wait <seconds>', 'wait this long for another command holding the embedded database')
    .action(async (code: string, opts: ReportCliOptions) =>
      setExitCode(await runNamed('report municipality', { ...opts, code })),
    );

  return program;
}

/** Runs one CLI command; returns the exit code (0 ok, 1 bad input, 2 internal error, -1 still serving). */
export async function runCli(argv: string[]): Promise<number> {
  let code = 0;
  const program = buildProgram((c) => {
    code = c;
  });
  if (argv.length === 0) {
    program.outputHelp({ error: true });
    return 1;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (error) {
    if (error instanceof DataDirBusyError) {
      console.error(`serviceatlas: ${error.message}`);
      return 3;
    }
    if (error instanceof CommanderError) {
      // --help is a success (exit code 0); a parse error (already printed by commander) or a command
      // called without its subcommand (help printed to stderr) is bad input.
      return error.exitCode === 0 ? 0 : 1;
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
