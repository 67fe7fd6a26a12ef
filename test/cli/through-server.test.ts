/**
 * Every CLI command while `serviceatlas serve` holds the embedded data directory: it goes through the server
 * (the same command function, run there) and prints the same bytes as without a server, saying on stderr
 * which way it went. A read command where no data directory exists says so and creates nothing.
 *
 * The CLI runs in this process (runCli, stdout captured as bytes); the server is a real child process
 * holding the lock. On PostgreSQL (DATABASE_URL) there is no lock: the CLI reads the database directly
 * while the server runs, and the bytes must be the same all the same.
 */
import { describeWhen } from '../helpers/backend-only.js';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { runCli } from '../../src/cli/index.js';
import { createDb } from '../../src/db/client.js';
import { backend, freshCliEnvironment } from '../helpers/db.js';
import type { ServerProcess } from '../helpers/spawn.js';
import { startServerProcess } from '../helpers/spawn.js';

const embedded = backend === 'pglite';

/** Runs the CLI in this process with `env`: exit code, stdout as bytes, stderr as text. */
async function inProcess(env: NodeJS.ProcessEnv, ...args: string[]) {
  const saved = { ...process.env };
  for (const key of Object.keys(process.env)) if (!(key in env)) delete process.env[key];
  Object.assign(process.env, env);
  const out: Buffer[] = [];
  const err: string[] = [];
  const log = vi
    .spyOn(console, 'log')
    .mockImplementation((...a) => void out.push(Buffer.from(`${a.join(' ')}\n`)));
  const error = vi.spyOn(console, 'error').mockImplementation((...a) => void err.push(a.join(' ')));
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    out.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk as Uint8Array));
    return true;
  });
  try {
    const code = await runCli(args);
    return { code, stdout: Buffer.concat(out), stderr: err.join('\n') };
  } finally {
    log.mockRestore();
    error.mockRestore();
    write.mockRestore();
    process.env = saved;
  }
}

const DESERTS = ['analyse', 'deserts', '--service-type', 'PHARMACY', '--area', '20', '--format', 'csv'];

describe('CLI commands beside a running server', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let drop: () => Promise<void>;
  let server: ServerProcess | null = null;
  /** Each command's output without a server, to compare with the same command through it. */
  const alone = new Map<string, Buffer>();

  const commands: Record<string, string[]> = {
    deserts: DESERTS,
    geojson: ['analyse', 'deserts', '--service-type', 'PHARMACY', '--area', '2085', '--format', 'geojson'],
    capacity: ['analyse', 'capacity', '--service-type', 'PHARMACY', '--area', '20', '--format', 'csv'],
    eservice: ['analyse', 'e-service', '--service-type', 'PHARMACY', '--area', '20', '--format', 'csv'],
    keys: ['keys', 'list', '--format', 'json'],
    audit: ['audit', 'export', '--since', '2020-01-01', '--format', 'json'],
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'serviceatlas-through-'));
    const dataDir = join(dir, 'db');
    ({ env, drop } = await freshCliEnvironment(dataDir));
    env = { ...env, SERVICEATLAS_KEY_SECRET: 'through-server-secret-0123456789abcdef' };
    if (embedded) {
      // The migrated template (a cluster is slow to create).
      const seeded = await createDb({
        dataDir,
        loadDataDir: new Blob([readFileSync(inject('pgliteTemplate'))]),
      });
      await seeded.close();
    }
    const settlements = join(dir, 'settlements.csv');
    writeFileSync(
      settlements,
      'externalId,name,population,population65Plus,municipalityCode,lon,lat\n' +
        'S1,Ludvika,14000,3000,2085,15.19,60.15\nS2,Grängesberg,3500,900,2085,14.99,60.08\n' +
        'S3,Sunnansjö,600,200,2085,14.95,60.33\nS4,Falun,37000,7000,2080,15.63,60.61\n' +
        'S5,Idre,700,250,2039,12.72,61.86\n',
    );
    const points = join(dir, 'points.csv');
    writeFileSync(
      points,
      'externalId,name,serviceTypes,municipalityCode,capacity,lon,lat\n' +
        'P1,Apoteket Ludvika,PHARMACY,2085,10,15.188,60.151\nP2,Apoteket Falun,PHARMACY,2080,20,15.631,60.607\n',
    );
    for (const args of [
      ['import', 'settlements', settlements],
      ['import', 'service-points', points],
    ]) {
      const r = await inProcess(env, ...args);
      expect(r.code, r.stderr).toBe(0);
    }
    for (const [name, args] of Object.entries(commands)) {
      const r = await inProcess(env, ...args);
      expect(r.code, `${name}: ${r.stderr}`).toBe(0);
      expect(r.stderr).toMatch(/directly \(no server holds it\)/);
      alone.set(name, r.stdout);
    }
    server = await startServerProcess(env);
  }, 600_000);
  afterAll(async () => {
    if (server?.child.exitCode === null) await server.stop('SIGKILL');
    await drop?.();
    rmSync(dir, { recursive: true, force: true });
  });

  it('analyse deserts --area 20 --format csv: the same bytes through the server as without it', async () => {
    const csv = alone.get('deserts')!.toString('utf8');
    // Idre and Sunnansjö are beyond the pharmacy threshold; Falun and Ludvika have one at hand.
    expect(csv.split('\n')[0]).toMatch(/^settlementId,name,/);
    expect(csv).toMatch(/Idre/);
    expect(csv).not.toMatch(/^\d+,Falun,/m);
    expect(csv).not.toMatch(/^\d+,Ludvika,/m);
    const r = await inProcess(env, ...DESERTS);
    expect(r.code, r.stderr).toBe(0);
    if (embedded)
      expect(r.stderr).toMatch(
        /held by the Serviceatlas server \(pid \d+, port \d+.*running `analyse deserts` through it/,
      );
    else expect(r.stderr).toMatch(/directly/);
    expect(r.stdout.equals(alone.get('deserts')!)).toBe(true);
  }, 120_000);

  it('every other command goes the same way: capacity, e-service, GeoJSON, keys and audit', async () => {
    for (const [name, args] of Object.entries(commands)) {
      const r = await inProcess(env, ...args);
      expect(r.code, `${name}: ${r.stderr}`).toBe(0);
      if (embedded) expect(r.stderr).toMatch(new RegExp(`running \`${args[0]} ${args[1]}\` through it`));
      expect(r.stdout.toString('utf8'), name).toBe(alone.get(name)!.toString('utf8'));
    }
  }, 300_000);

  it('a report and a key written through the server land where the CLI runs, and the key is stored', async () => {
    const plan = join(dir, 'plan.html');
    const report = await inProcess(env, 'report', 'municipality', '2085', '--output', plan);
    expect(report.code, report.stderr).toBe(0);
    expect(readFileSync(plan, 'utf8')).toMatch(/Ludvika/);
    const created = await inProcess(env, 'keys', 'create', '--role', 'planner', '--municipality', '2085');
    expect(created.code, created.stderr).toBe(0);
    const token = created.stdout.toString('utf8').trimEnd().split('\n').at(-1)!;
    const [keyId] = token.split('.');
    const listed = await inProcess(env, 'keys', 'list', '--format', 'json');
    expect(JSON.parse(listed.stdout.toString('utf8'))).toEqual([
      expect.objectContaining({ id: keyId, role: 'planner', municipalityCodes: ['2085'] }),
    ]);
  }, 300_000);

  it('an unknown area code is NOT_FOUND (exit 1) through the server too, not an empty file', async () => {
    for (const area of ['99', '9999']) {
      const r = await inProcess(env, 'analyse', 'deserts', '--service-type', 'PHARMACY', '--area', area);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`(County|Municipality) ${area} is not known`));
      expect(r.stdout.length).toBe(0);
    }
  }, 120_000);
});

describeWhen(embedded)('a read command where no data directory exists', () => {
  it('says so and exits 1, creating nothing; an import still creates the directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'serviceatlas-nodir-'));
    try {
      const dataDir = join(dir, 'missing');
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        SERVICEATLAS_DATA_DIR: dataDir,
        SERVICEATLAS_DEMO: 'off',
        LOG_LEVEL: 'silent',
      };
      delete env.DATABASE_URL;
      for (const args of [
        DESERTS,
        ['report', 'municipality', '2085'],
        ['keys', 'list'],
        ['audit', 'export', '--since', '2020-01-01'],
      ]) {
        const r = await inProcess(env, ...args);
        expect(r.code, args.join(' ')).toBe(1);
        expect(r.stderr).toContain(`no data directory at ${dataDir}`);
        expect(existsSync(dataDir)).toBe(false);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
