/**
 * The CLI commands that run here or through the server holding the embedded data directory
 * (command.ts; the server side is src/http/internal-command.ts), by name.
 */
import type { Kysely } from 'kysely';
import type { Config } from '../config.js';
import type { Database } from '../db/tables.js';
import { tableCacheDirFor } from '../modules/access/table-cache.js';
import { Services } from '../services.js';
import { analyseDeserts } from './analyse.js';
import { analyseCapacityCommand } from './analyse-capacity.js';
import { analyseEServiceCommand } from './analyse-eservice.js';
import { auditExport } from './audit.js';
import type { CliCommand } from './command.js';
import { runCommand } from './command.js';
import { keysCreate, keysList, keysRevoke } from './keys.js';
import { reportMunicipality } from './report.js';

// biome-ignore lint/suspicious/noExplicitAny: each command checks its own options (they arrive as JSON).
export const COMMANDS: ReadonlyMap<string, CliCommand<any>> = new Map(
  [
    analyseDeserts,
    analyseCapacityCommand,
    analyseEServiceCommand,
    reportMunicipality,
    keysCreate,
    keysList,
    keysRevoke,
    auditExport,
  ].map((c) => [c.name, c]),
);

/** Services for a command run by this CLI process: the analyses in this thread (no worker pool to start). */
function localServices(db: Kysely<Database>, config: Config): Services {
  // It reads the tables a server kept beside the database (a command only reads them: it builds one or
  // two types, and its time is the user's).
  const tableCacheDir = tableCacheDirFor(
    config.tableCacheDir,
    config.databaseUrl ? undefined : config.dataDir,
  );
  return new Services(db, { ...config, limits: { ...config.limits, analysisWorkers: 0 } }, null, {
    tableCacheDir,
  });
}

/** Runs a command here or through the server (see command.ts); the exit code. */
export function runCliCommand<O>(
  command: CliCommand<O>,
  options: O & { wait?: string | undefined },
): Promise<number> {
  return runCommand(command, options, localServices);
}
