import { DomainError } from '../domain-error.js';
import {
  checkCreateKeyArgs,
  createApiKey,
  listApiKeys,
  requireKeySecret,
  revokeKey,
} from '../modules/keys/api-key.service.js';
import { describeScope } from '../modules/keys/principal.js';
import type { CliCommand } from './command.js';
import { output } from './command.js';
import { CliError } from './errors.js';

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

const createArgs = (opts: KeysCreateOptions) => ({
  role: opts.role,
  municipalityCodes: codes(opts.municipality),
  countyCodes: codes(opts.county),
  name: opts.name ?? null,
});

/** Runs a check of a use case before anything is opened, its DomainError a CLI error (exit 1). */
function checked(check: () => void): void {
  try {
    check();
  } catch (error) {
    if (error instanceof DomainError) throw new CliError(error.message);
    throw error;
  }
}

/** `keys create`: the key is printed once, as the last line of stdout; only its hash is stored. */
export const keysCreate: CliCommand<KeysCreateOptions> = {
  name: 'keys create',
  reads: false,
  // Checked before the database is opened: a typo costs nothing.
  check: (opts) => checked(() => checkCreateKeyArgs(createArgs(opts))),
  async run({ db, config }, opts) {
    // The secret of the process that stores the key (the server's, when it runs the command).
    requireKeySecret(config.keySecret);
    const { key, token } = await createApiKey(db, config.keySecret, createArgs(opts));
    const scope =
      key.role === 'planner'
        ? ` for ${describeScope({ municipalityCodes: key.municipalityCodes, countyCodes: key.countyCodes })}`
        : '';
    return output(
      `Created ${key.role} key ${key.id}${key.name ? ` (${key.name})` : ''}${scope}.\n` +
        'Store it now: it is shown only this once (the database keeps a keyed hash of it).\n' +
        `${token}\n`,
    );
  },
};

/** `keys list`: ids, roles, scopes, names and dates — never secrets (there are none to show). */
export const keysList: CliCommand<{ format?: string }> = {
  name: 'keys list',
  reads: true,
  async run({ db }, opts) {
    const keys = await listApiKeys(db);
    if (opts.format === 'json') {
      const rows = keys.map(({ keyHash: _h, ...k }) => k);
      return output(`${JSON.stringify(rows, null, 2)}\n`);
    }
    const lines = [['id', 'role', 'scope', 'name', 'created', 'revoked'].join('\t')];
    for (const k of keys) {
      const scope =
        k.role === 'planner'
          ? describeScope({ municipalityCodes: k.municipalityCodes, countyCodes: k.countyCodes })
          : k.role === 'admin'
            ? 'everything'
            : 'read only';
      lines.push([k.id, k.role, scope, k.name ?? '', k.createdAt, k.revokedAt ?? ''].join('\t'));
    }
    return output(`${lines.join('\n')}\n`, [
      `${keys.length} key(s), ${keys.filter((k) => k.revokedAt === null).length} active`,
    ]);
  },
};

/** `keys revoke <id>`: the key stops working at the next request (every request checks the database). */
export const keysRevoke: CliCommand<{ id: string }> = {
  name: 'keys revoke',
  reads: true,
  async run({ db }, opts) {
    const key = await revokeKey(db, opts.id);
    return output(`Revoked key ${key.id}${key.name ? ` (${key.name})` : ''} at ${key.revokedAt}.\n`);
  },
};
