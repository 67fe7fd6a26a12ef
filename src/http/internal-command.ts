/**
 * The server side of the CLI's commands (`analyse *`, `report`, `keys`, `audit`) while this server holds the
 * embedded data directory: the CLI may not open the directory (one writer), so it sends the command here and
 * the server runs the same command function (src/cli/commands.ts) over its own database handle and cached
 * snapshots, answering what to print and write (src/cli/command.ts applies it on the CLI's side).
 *
 * Authenticated as the import endpoint (internal-import.ts): loopback only, no proxy forwarding headers,
 * and the per-run secret the server wrote into its lock file (mode 0600, readable by its own user).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { internalGate, refuseInternal } from './internal-auth.js';
import type { Kysely } from 'kysely';
import type { CommandAnswer } from '../cli/command.js';
import { encodeOutput, runHere } from '../cli/command.js';
import { COMMANDS } from '../cli/commands.js';
import { CliError } from '../cli/errors.js';
import type { Config } from '../config.js';
import type { Database } from '../db/tables.js';
import type { SharedDeps } from '../deps.js';

export { INTERNAL_COMMAND_PATH } from '../cli/command.js';

/** A command's options are a few short strings: anything larger is not from our CLI. */
const MAX_BODY_BYTES = 64 * 1024;

interface Logger {
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** The endpoint's handler, bound to the server's database, services and lock secret. */
export function createInternalCommand(options: {
  db: Kysely<Database>;
  config: Config;
  services: SharedDeps;
  secret: string;
  log: Logger;
}) {
  const admitted = internalGate(options.secret, 'command');
  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!admitted(req, res)) return;
    const body = await readBody(req);
    const request = body === null ? null : parseRequest(body);
    const command = request ? COMMANDS.get(request.command) : undefined;
    if (!request || !command)
      return refuse(res, 400, 'BAD_REQUEST', 'expected {"command": <a CLI command>, "options": {…}}');
    let answer: CommandAnswer;
    const started = performance.now();
    try {
      const deps = { db: options.db, config: options.config, services: options.services };
      answer = encodeOutput(await runHere(command, deps, request.options));
      options.log.info(
        { command: command.name, ms: Math.round(performance.now() - started) },
        'CLI command run',
      );
    } catch (error) {
      if (error instanceof CliError) answer = { ok: false, exit: 1, message: error.message };
      else {
        options.log.error({ err: error, command: command.name }, 'CLI command failed');
        answer = { ok: false, exit: 2, message: (error as Error).message };
      }
    }
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify(answer));
  };
}

function parseRequest(body: string): { command: string; options: Record<string, unknown> } | null {
  try {
    const value = JSON.parse(body) as unknown;
    if (typeof value !== 'object' || value === null) return null;
    const { command, options } = value as { command?: unknown; options?: unknown };
    if (
      typeof command !== 'string' ||
      typeof options !== 'object' ||
      options === null ||
      Array.isArray(options)
    )
      return null;
    return { command, options: options as Record<string, unknown> };
  } catch {
    return null;
  }
}

async function readBody(req: IncomingMessage): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

const refuse = refuseInternal;
