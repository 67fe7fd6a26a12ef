/**
 * How a CLI command that reads or writes the database runs: here, on the database it opens, or — while
 * `serviceatlas serve` holds the embedded data directory — through that server (src/http/internal-command.ts),
 * which runs the SAME `run` function on its own handle. Either way `run` returns what to print and write
 * (a CommandOutput), and this side prints and writes it, so the bytes are the same on both paths. Which path
 * was taken is said on stderr.
 *
 * Imports have their own streaming route (remote-import.ts); everything else goes through here.
 */
import { existsSync, readdirSync } from 'node:fs';
import type { Kysely } from 'kysely';
import type { App } from '../app.js';
import type { Config } from '../config.js';
import { loadConfig } from '../config.js';
import { DataDirBusyError } from '../db/data-dir-lock.js';
import type { Database } from '../db/tables.js';
import type { SharedDeps } from '../deps.js';
import { DomainError } from '../domain-error.js';
import { timing } from '../timings.js';
import { CliError } from './errors.js';
import { openForCli, parseWait } from './import.js';
import type { CommandOutput } from './through-server.js';
import { apply, isReadyServer, sendThroughServer } from './through-server.js';

export type { CommandAnswer, CommandOutput } from './through-server.js';
export { INTERNAL_COMMAND_PATH, encodeOutput } from './through-server.js';

/** What `run` may use: the database, the configuration and the long-lived services (snapshots, layers). */
export interface CommandDeps {
  db: Kysely<Database>;
  config: Config;
  services: SharedDeps;
}

/** A command that can run here or through the server. Options are plain JSON (sent as they are). */
export interface CliCommand<O> {
  /** `analyse deserts`, `keys list`, … (the lock's and the messages' name). */
  name: string;
  /** A read command: with no data directory here it says so (exit 1) instead of creating an empty one. */
  reads: boolean;
  /** Checks the options before anything is opened (throws CliError): a typo costs nothing. */
  check?(options: O): void;
  run(deps: CommandDeps, options: O): Promise<CommandOutput>;
}

/** An output with only stdout text and stderr lines. */
export const output = (
  stdout: string | Uint8Array,
  stderr: string[] = [],
  files: CommandOutput['files'] = [],
) => ({ stdout, stderr, files }) satisfies CommandOutput;

/** True when `dir` holds an embedded database (PGlite's cluster). */
export function hasDataDir(dir: string): boolean {
  return existsSync(dir) && readdirSync(dir).includes('PG_VERSION');
}

/**
 * Runs a command and applies its output; returns the exit code. `services` builds the long-lived services
 * over an opened database for the local path (the CLI passes `new Services(...)`; kept out of this file so
 * the command layer does not import the server's services).
 */
export async function runCommand<O>(
  command: CliCommand<O>,
  options: O & { wait?: string | undefined },
  services: (db: Kysely<Database>, config: Config) => SharedDeps,
): Promise<number> {
  timing('CLI loaded');
  const { wait, ...sent } = options;
  command.check?.(sent as O);
  const config = loadConfig();
  if (command.reads && !config.databaseUrl && !hasDataDir(config.dataDir))
    throw new CliError(
      `no data directory at ${config.dataDir}: nothing was imported here and no server runs on it, so ` +
        `\`${command.name}\` has nothing to read. Run it where the data directory is, set ` +
        'SERVICEATLAS_DATA_DIR (or DATABASE_URL), or import data first.',
    );
  const waitMs = parseWait(wait, config.lockWaitSeconds);
  let app: App;
  try {
    // A command (not an import) reads its rows about once: a small buffer pool in the embedded database
    // saves ~130 MB of resident memory.
    app = await openForCli(command.name, waitMs, { sharedBuffers: '16MB' });
  } catch (error) {
    if (!(error instanceof DataDirBusyError) || !isReadyServer(error.holder)) throw error;
    await sendThroughServer(config.dataDir, error.holder, command.name, sent);
    return 0;
  }
  timing('database open');
  let result: CommandOutput;
  try {
    console.error(
      `serviceatlas: running \`${command.name}\` on ${!config.databaseUrl ? config.dataDir : 'PostgreSQL (DATABASE_URL)'} directly (no server holds it).`,
    );
    result = await runHere(command, { db: app.db, config, services: services(app.db, config) }, sent as O);
  } finally {
    await app.close();
  }
  timing('command run, database closed');
  apply(result);
  return 0;
}

/** Runs `run`, a use case's DomainError becoming a CLI error (exit 1) with its message. */
export async function runHere<O>(
  command: CliCommand<O>,
  deps: CommandDeps,
  options: O,
): Promise<CommandOutput> {
  try {
    command.check?.(options);
    return await command.run(deps, options);
  } catch (error) {
    if (error instanceof DomainError) throw new CliError(error.message);
    throw error;
  }
}
