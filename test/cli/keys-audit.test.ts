/**
 * `serviceatlas keys create|list|revoke` and `audit export`. One real process (`keys create`: the key
 * is the last line of stdout, only its keyed hash is stored); the rest runs the same commander program
 * in-process on the database that process wrote (the embedded data directory, or a cloned server
 * database), one command at a time so the one-writer lock is honoured.
 */
import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { openApp } from '../../src/app.js';
import { runCli } from '../../src/cli/index.js';
import { loadConfig } from '../../src/config.js';
import { startServer } from '../../src/server.js';
import { createDb } from '../../src/db/client.js';
import { backend, freshCliEnvironment, openCliDatabase } from '../helpers/db.js';
import { seedAreas } from '../writes/fixtures.js';
import { cli } from './run.js';

const SECRET = 'cli-test-secret-0123456789abcdefghijklmnop';

/** Runs the CLI in this process with `env`, capturing stdout and stderr. */
async function inProcess(env: NodeJS.ProcessEnv, ...args: string[]) {
  const saved = { ...process.env };
  Object.assign(process.env, env);
  const out: string[] = [];
  const err: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a) => void out.push(a.join(' ')));
  const error = vi.spyOn(console, 'error').mockImplementation((...a) => void err.push(a.join(' ')));
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    out.push(String(chunk));
    return true;
  });
  try {
    const code = await runCli(args);
    return { code, stdout: out.join('\n'), stderr: err.join('\n') };
  } finally {
    log.mockRestore();
    error.mockRestore();
    write.mockRestore();
    process.env = saved;
  }
}

describe('serviceatlas keys and audit export', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let drop: () => Promise<void>;
  let token: string;
  let keyId: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'serviceatlas-keys-'));
    const fresh = await freshCliEnvironment(join(dir, 'data'));
    if (backend === 'pglite') {
      // The migrated template: creating a cluster in the first command took over the 60 s test timeout on
      // a loaded machine, and left that command holding the directory for the cases after it.
      const seeded = await createDb({
        dataDir: join(dir, 'data'),
        loadDataDir: new Blob([readFileSync(inject('pgliteTemplate'))]),
      });
      await seeded.close();
    }
    env = { ...fresh.env, SERVICEATLAS_KEY_SECRET: SECRET, SERVICEATLAS_WRITE_TOKENS: '' };
    drop = fresh.drop;
    // Municipality boundaries (Ludvika 2085 among them): planner writes are checked by where the point
    // is, and refused where no imported boundary covers it.
    const handle = await openCliDatabase(env);
    try {
      await seedAreas(handle.db);
    } finally {
      await handle.close();
    }
  });
  afterAll(async () => {
    await drop?.();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keys create prints the key once, as the last line of stdout, and stores only HMAC(secret, id:secret)', async () => {
    const r = await cli(
      env,
      'keys',
      'create',
      '--role',
      'planner',
      '--municipality',
      '2085,2084',
      '--name',
      'Ludvika planners',
    );
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    token = lines.at(-1)!;
    expect(token).toMatch(/^k_[a-z0-9]{12}\.[A-Za-z0-9_-]{43}$/);
    [keyId] = token.split('.') as [string];
    expect(lines[0]).toContain(`planner key ${keyId} (Ludvika planners) for municipalities 2085, 2084`);

    const handle = await openCliDatabase(env);
    try {
      const rows = await handle.db.selectFrom('api_keys').selectAll().execute();
      expect(rows).toHaveLength(1);
      const secret = token.split('.')[1]!;
      expect(rows[0]).toMatchObject({
        id: keyId,
        role: 'planner',
        name: 'Ludvika planners',
        municipality_codes: ['2085', '2084'],
        county_codes: [],
        revoked_at: null,
        key_hash: createHmac('sha256', SECRET).update(`${keyId}:${secret}`).digest('hex'),
      });
      expect(JSON.stringify(rows)).not.toContain(secret);

      // The key works against a server on the same database (a write in its scope is accepted).
      const config = loadConfig({ ...env, LOG_LEVEL: 'silent' });
      const app = await openApp(config, { handle, demo: false });
      const server = await startServer({ app, config, port: 0 });
      try {
        const res = await fetch(`${server.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({
            query: `mutation { createServicePoint(input: { name: "Paketskåp", serviceTypes: ["POST"],
              location: { lon: 15.19, lat: 60.15 }, municipalityCode: "2085" }) { servicePoint { id } errors { code } } }`,
          }),
        });
        const body = (await res.json()) as { data: { createServicePoint: { errors: unknown[] } } };
        expect(body.data.createServicePoint.errors).toEqual([]);
      } finally {
        await server.close();
      }
    } finally {
      await handle.close();
    }
    // A process start, a database open and a server start: well over a minute on a loaded machine.
  }, 240_000);

  it('refuses bad keys create input with exit 1 and a message', async () => {
    const noScope = await inProcess(env, 'keys', 'create', '--role', 'planner');
    expect(noScope.code).toBe(1);
    expect(noScope.stderr).toMatch(/planner key needs a scope/);
    const badCode = await inProcess(env, 'keys', 'create', '--role', 'planner', '--municipality', '208');
    expect(badCode.code).toBe(1);
    expect(badCode.stderr).toMatch(/4 digits/);
    const noSecret = await inProcess(
      { ...env, SERVICEATLAS_KEY_SECRET: '' },
      'keys',
      'create',
      '--role',
      'admin',
    );
    expect(noSecret.code).toBe(1);
    expect(noSecret.stderr).toMatch(/SERVICEATLAS_KEY_SECRET/);
  });

  it('keys list shows ids, roles and scopes, never a secret or hash; keys revoke stops the key', async () => {
    const list = await inProcess(env, 'keys', 'list');
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(
      new RegExp(`${keyId}\\tplanner\\tmunicipalities 2085, 2084\\tLudvika planners`),
    );
    expect(list.stdout).not.toContain(token.split('.')[1]!);
    const revoked = await inProcess(env, 'keys', 'revoke', keyId);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toMatch(new RegExp(`Revoked key ${keyId} \\(Ludvika planners\\) at \\d{4}-`));
    const unknown = await inProcess(env, 'keys', 'revoke', 'k_doesnotexist');
    expect(unknown.code).toBe(1);
  });

  it('audit export writes the trail since a date as CSV or JSON', async () => {
    const csv = await inProcess(env, 'audit', 'export', '--since', '2000-01-01');
    expect(csv.code).toBe(0);
    const [header, row, ...rest] = csv.stdout.trimEnd().split('\n');
    expect(header).toBe('id,at,actor,action,entity,entityId,before,after');
    expect(rest).toEqual([]);
    expect(row).toMatch(
      new RegExp(`^\\d+,[^,]+,${keyId},servicePoint\\.create,servicePoint,\\d+,,"\\{""id""`),
    );
    const file = join(dir, 'audit.json');
    const json = await inProcess(
      env,
      'audit',
      'export',
      '--since',
      '2000-01-01',
      '--format',
      'json',
      '--output',
      file,
    );
    expect(json.code).toBe(0);
    const entries = JSON.parse(readFileSync(file, 'utf8')) as { actor: string; after: { name: string } }[];
    expect(entries).toEqual([
      expect.objectContaining({ actor: keyId, after: expect.objectContaining({ name: 'Paketskåp' }) }),
    ]);
    const bad = await inProcess(env, 'audit', 'export', '--since', 'last week');
    expect(bad.code).toBe(1);
  });
});
