import type { App } from '../app.js';
import { loadConfig } from '../config.js';
import { DataDirBusyError } from '../db/data-dir-lock.js';
import { DomainError } from '../domain-error.js';
import {
  checkCreateKeyArgs,
  createApiKey,
  listApiKeys,
  requireKeySecret,
  revokeKey,
} from '../modules/keys/api-key.service.js';
import { describeScope } from '../modules/keys/principal.js';
import { CliError } from './errors.js';
import { isReadyServer, openForCli, parseWait } from './import.js';

/**
 * Opens the database for a key or audit command. The embedded database has one writer: while the server
 * holds it, these commands refuse (exit 3) and say what to do instead.
 */
export async function openForAdmin(command: string, wait: string | undefined): Promise<App> {
  const config = loadConfig();
  try {
    return await openForCli(command, parseWait(wait, config.lockWaitSeconds));
  } catch (error) {
    if (error instanceof DataDirBusyError && isReadyServer(error.holder)) {
      throw new DataDirBusyError(
        error.dataDir,
        error.holder,
        `${error.message}, so \`serviceatlas ${command}\` cannot open it; nothing changed. Stop the server (kill -TERM ${error.holder.pid}), run the command, and start it again — or run on PostgreSQL (DATABASE_URL), where commands and the server share the database.`,
      );
    }
    throw error;
  }
}

/** Runs a use case, turning its DomainError into a CLI error (exit 1). */
async function cli<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof DomainError) throw new CliError(error.message);
    throw error;
  }
}

const codes = (value: string | undefined): string[] =>
  (value ?? '')
    .split(',')
    .map((c) => c.trim())
    .filter((c) => c !== '');

export interface KeysCreateOptions {
  role: string;
  municipality?: string;
  county?: string;
  name?: string;
  wait?: string;
}

/** `keys create`: the key is printed once, as the last line of stdout; only its hash is stored. */
export async function runKeysCreate(opts: KeysCreateOptions): Promise<number> {
  const config = loadConfig();
  const args = {
    role: opts.role,
    municipalityCodes: codes(opts.municipality),
    countyCodes: codes(opts.county),
    name: opts.name ?? null,
  };
  // Checked before the database is opened: a typo costs nothing.
  await cli(async () => {
    requireKeySecret(config.keySecret);
    checkCreateKeyArgs(args);
  });
  const app = await openForAdmin('keys create', opts.wait);
  try {
    const { key, token } = await cli(() => createApiKey(app.db, config.keySecret, args));
    const scope =
      key.role === 'planner'
        ? ` for ${describeScope({ municipalityCodes: key.municipalityCodes, countyCodes: key.countyCodes })}`
        : '';
    console.log(`Created ${key.role} key ${key.id}${key.name ? ` (${key.name})` : ''}${scope}.`);
    console.log('Store it now: it is shown only this once (the database keeps a keyed hash of it).');
    console.log(token);
    return 0;
  } finally {
    await app.close();
  }
}

/** `keys list`: ids, roles, scopes, names and dates — never secrets (there are none to show). */
export async function runKeysList(opts: { wait?: string; format?: string }): Promise<number> {
  const app = await openForAdmin('keys list', opts.wait);
  try {
    const keys = await listApiKeys(app.db);
    if (opts.format === 'json') {
      const rows = keys.map(({ keyHash: _h, ...k }) => k);
      console.log(JSON.stringify(rows, null, 2));
      return 0;
    }
    console.log(['id', 'role', 'scope', 'name', 'created', 'revoked'].join('\t'));
    for (const k of keys) {
      const scope =
        k.role === 'planner'
          ? describeScope({ municipalityCodes: k.municipalityCodes, countyCodes: k.countyCodes })
          : k.role === 'admin'
            ? 'everything'
            : 'read only';
      console.log([k.id, k.role, scope, k.name ?? '', k.createdAt, k.revokedAt ?? ''].join('\t'));
    }
    console.error(`${keys.length} key(s), ${keys.filter((k) => k.revokedAt === null).length} active`);
    return 0;
  } finally {
    await app.close();
  }
}

/** `keys revoke <id>`: the key stops working at the next request (every request checks the database). */
export async function runKeysRevoke(id: string, opts: { wait?: string }): Promise<number> {
  const app = await openForAdmin('keys revoke', opts.wait);
  try {
    const key = await cli(() => revokeKey(app.db, id));
    console.log(`Revoked key ${key.id}${key.name ? ` (${key.name})` : ''} at ${key.revokedAt}.`);
    return 0;
  } finally {
    await app.close();
  }
}
