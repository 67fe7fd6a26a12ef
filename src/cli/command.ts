/**
 * How a CLI command that reads or writes the database runs: here, on the database it opens, or — while
 * `serviceatlas serve` holds the embedded data directory — through that server (src/http/internal-command.ts),
 * which runs the SAME `run` function on its own handle. Either way `run` returns what to print and write
 * (a CommandOutput), and this side prints and writes it, so the bytes are the same on both paths. Which path
 * was taken is said on stderr.
 *
 * Imports have their own streaming route (remote-import.ts); everything else goes through here.
 */
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import type { Kysely } from 'kysely';
import type { App } from '../app.js';
import type { Config } from '../config.js';
import { loadConfig } from '../config.js';
import type { LockHolder } from '../db/data-dir-lock.js';
import { DataDirBusyError, describeHolder } from '../db/data-dir-lock.js';
import type { Database } from '../db/tables.js';
import type { SharedDeps } from '../deps.js';
import { DomainError } from '../domain-error.js';
import { timing } from '../timings.js';
import { CliError } from './errors.js';
import { isReadyServer, openForCli, parseWait } from './import.js';

/** What a command prints and writes, made by `run` wherever it ran, applied by the CLI process. */
export interface CommandOutput {
  /** Files to write, in order (paths as the user gave them: resolved where the CLI runs). */
  files: { path: string; content: string | Uint8Array }[];
  /** Standard output (text or bytes: the report's zip). */
  stdout: string | Uint8Array;
  /** Lines for standard error after the output (summaries). */
  stderr: string[];
}

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
    console.error(
      `serviceatlas: ${config.dataDir} is held by ${describeHolder(error.holder)}: ` +
        `running \`${command.name}\` through it (http://127.0.0.1:${error.holder.port}).`,
    );
    apply(await runThroughServer(config.dataDir, error.holder, command.name, sent));
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

function apply(result: CommandOutput): void {
  for (const file of result.files) writeFileSync(file.path, file.content);
  if (typeof result.stdout === 'string' ? result.stdout.length > 0 : result.stdout.byteLength > 0)
    process.stdout.write(result.stdout);
  for (const line of result.stderr) console.error(line);
}

/** The internal endpoint's answer (JSON; byte contents as base64). */
export type CommandAnswer =
  | {
      ok: true;
      stdout: { text: string } | { base64: string };
      stderr: string[];
      files: ({ path: string; text: string } | { path: string; base64: string })[];
    }
  | { ok: false; exit: 1 | 2; message: string };

const encode = (content: string | Uint8Array) =>
  typeof content === 'string' ? { text: content } : { base64: Buffer.from(content).toString('base64') };
const decode = (content: { text: string } | { base64: string }) =>
  'text' in content ? content.text : new Uint8Array(Buffer.from(content.base64, 'base64'));

/** A CommandOutput as the endpoint sends it. */
export function encodeOutput(result: CommandOutput): CommandAnswer {
  return {
    ok: true,
    stdout: encode(result.stdout),
    stderr: result.stderr,
    files: result.files.map((f) => ({ path: f.path, ...encode(f.content) })),
  };
}

export const INTERNAL_COMMAND_PATH = '/internal/command';

/** POSTs the command to the server in the lock (its loopback endpoint, the lock's secret) and decodes the answer. */
async function runThroughServer(
  dataDir: string,
  holder: LockHolder,
  name: string,
  options: unknown,
): Promise<CommandOutput> {
  const body = JSON.stringify({ command: name, options });
  let status = 0;
  let text = '';
  try {
    text = await new Promise<string>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: holder.port ?? 0,
          path: INTERNAL_COMMAND_PATH,
          method: 'POST',
          headers: {
            authorization: `Bearer ${holder.secret}`,
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
          },
        },
        (res) => {
          status = res.statusCode ?? 0;
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  } catch (error) {
    throw new DataDirBusyError(
      dataDir,
      holder,
      `${dataDir} is in use by ${describeHolder(holder)}, and \`${name}\` could not be sent through it: ` +
        `${(error as Error).message}. Nothing was done.`,
    );
  }
  let answer: CommandAnswer;
  try {
    answer = JSON.parse(text) as CommandAnswer;
  } catch {
    throw new Error(`the server answered HTTP ${status} with no command result: ${text.slice(0, 200)}`);
  }
  if (!answer.ok) {
    if (answer.exit === 1) throw new CliError(answer.message);
    throw new Error(`(in the server) ${answer.message}`);
  }
  return {
    stdout: decode(answer.stdout),
    stderr: answer.stderr,
    files: answer.files.map((f) => ({ path: f.path, content: decode(f) })),
  };
}
