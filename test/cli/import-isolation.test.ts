/**
 * Imports that cannot hurt the process that runs them (issue 19, "Stops the service" 2 and 3): a corrupt
 * or empty `.osm.pbf`, and a file that needs more memory than the import's heap cap, each end as exit 1
 * naming the file and the reason — through a running server (which goes on answering /healthz, during
 * the import and after) and without one (one line, no stack). Nothing is written.
 *
 * Both backends: on the embedded PGlite the CLI sends the import through the server holding the data
 * directory (its worker thread); with DATABASE_URL it imports itself (in its own worker thread) beside
 * the server. The outcomes asserted are the same.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDb } from '../../src/db/client.js';
import { backend, freshCliEnvironment, openCliDatabase } from '../helpers/db.js';
import { sharedDataFile } from '../helpers/shared-data.js';
import type { ServerProcess, Spawned } from '../helpers/spawn.js';
import { cli, spawnServiceatlas, startServerProcess } from '../helpers/spawn.js';

let dir: string;
let env: NodeJS.ProcessEnv;
let drop: () => Promise<void>;

const ANDORRA = sharedDataFile('osm-andorra-2020/andorra-2020-05-01.osm.pbf');
const STACK = /\n\s+at /;

function corruptPbf(): string {
  const bytes = Buffer.from(readFileSync(ANDORRA));
  bytes.fill(0, Math.floor(bytes.length / 3), Math.floor(bytes.length / 3) + 64);
  const file = join(dir, 'corrupt.osm.pbf');
  writeFileSync(file, bytes);
  return file;
}

function emptyPbf(): string {
  const file = join(dir, 'empty.osm.pbf');
  writeFileSync(file, '');
  return file;
}

/**
 * ~60 MB of CSV, 1.2 million rows: read as a stream, its validated rows pile up gradually past a 128 MB
 * heap (V8's near-limit callback then ends the worker; one single allocation larger than the whole heap
 * would instead be fatal to the process, which the import caps keep far below the default cap).
 */
let big: string | undefined;
function bigCsv(): string {
  // Written once per file: both the direct and the through-server test read the same 60 MB.
  if (big) return big;
  const file = join(dir, 'big.csv');
  const rows = ['externalId,name,population,lon,lat,municipalityCode'];
  for (let i = 0; i < 1_200_000; i++)
    rows.push(
      `S${i},By ${i},100,${(14 + (i % 1000) / 1000).toFixed(3)},${(60 + Math.floor(i / 1000) / 10000).toFixed(4)},2085`,
    );
  writeFileSync(file, `${rows.join('\n')}\n`);
  big = file;
  return file;
}

async function count(table: 'settlements' | 'road_edges'): Promise<number> {
  const handle = await openCliDatabase(env);
  try {
    const r = await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.table(table)}`.execute(handle.db);
    return r.rows[0]!.n;
  } finally {
    await handle.close();
  }
}

async function healthz(server: ServerProcess): Promise<number> {
  return (await fetch(`${server.url}/healthz`)).status;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'serviceatlas-import-isolation-'));
  const dataDir = join(dir, 'db');
  ({ env, drop } = await freshCliEnvironment(dataDir));
  // A small heap cap for every import here, so that one file can exceed it on purpose.
  env = { ...env, SERVICEATLAS_IMPORT_MEMORY_MB: '128' };
  if (backend === 'pglite') {
    const seeded = await createDb({
      dataDir,
      loadDataDir: new Blob([readFileSync(inject('pgliteTemplate'))]),
    });
    await seeded.close();
  }
});
afterAll(async () => {
  await drop?.();
  rmSync(dir, { recursive: true, force: true });
});

describe('without a server: one line naming the file and the reason, exit 1, no stack', () => {
  it('a corrupt .osm.pbf', async () => {
    const r = await cli(env, 'import', 'roads', corruptPbf());
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /corrupt\.osm\.pbf: cannot read the file as OSM PBF: block \d+ \(byte \d+\): corrupt compressed data \(incorrect data check\)/,
    );
    expect(r.stderr).not.toMatch(STACK);
  }, 180_000);

  it('an empty .osm.pbf', async () => {
    const r = await cli(env, 'import', 'roads', emptyPbf());
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/empty\.osm\.pbf: the file is empty \(expected OSM PBF\)/);
    expect(r.stderr).not.toMatch(/Cannot read properties of null/);
    expect(r.stderr).not.toMatch(STACK);
  }, 180_000);

  it('a file that needs more than the heap cap: the cap is named, nothing is written', async () => {
    const r = await cli(env, 'import', 'settlements', bigCsv());
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /big\.csv: the import needs more memory than its cap of 128 MB \(SERVICEATLAS_IMPORT_MEMORY_MB\); nothing was imported/,
    );
    expect(r.stderr).not.toMatch(STACK);
    expect(await count('settlements')).toBe(0);
  }, 180_000);
});

describe('through a running server: the server keeps serving', () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startServerProcess(env);
  }, 300_000);
  afterAll(async () => {
    if (server?.child.exitCode === null) await server.stop('SIGKILL');
  });

  /**
   * Asks /healthz every 50 ms while the import command runs, each answered 200 (and at least one while it
   * still ran), then its result.
   */
  async function healthyWhileRunning(importing: Spawned): Promise<Awaited<Spawned['exited']>> {
    let answeredDuring = false;
    while (importing.child.exitCode === null) {
      const status = await healthz(server);
      if (importing.child.exitCode === null) {
        expect(status).toBe(200);
        answeredDuring = true;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    const r = await importing.exited;
    expect(answeredDuring).toBe(true);
    return r;
  }

  it('a corrupt .osm.pbf: exit 1 with file and reason; the server answers /healthz during and after', async () => {
    const file = corruptPbf();
    const importing = spawnServiceatlas(env, ['import', 'roads', file]);
    const r = await healthyWhileRunning(importing);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/corrupt\.osm\.pbf: cannot read the file as OSM PBF: .*incorrect data check/);
    expect(r.stderr).not.toMatch(/serviceatlas-upload-/);
    expect(r.stderr).not.toMatch(STACK);
    expect(server.child.exitCode).toBeNull();
    expect(await healthz(server)).toBe(200);
  }, 180_000);

  it.runIf(existsSync('/usr/bin/bzip2'))(
    'a roads .osm.bz2 bomb (100 MB of blanks, ~100 bytes compressed): exit 1 at the cap; /healthz answered during and after',
    async () => {
      const plain = join(dir, 'bomb-through-server.osm');
      writeFileSync(plain, Buffer.concat([Buffer.from('<osm>'), Buffer.alloc(100 * 1024 * 1024, 0x20)]));
      execFileSync('/usr/bin/bzip2', ['-9', '-f', plain]);
      const importing = spawnServiceatlas(env, ['import', 'roads', `${plain}.bz2`]);
      const r = await healthyWhileRunning(importing);
      expect(r.code).toBe(1);
      // Whichever cap it meets first: the decompressed-size cap (64 MiB), or this file's 128 MB heap cap
      // (the bz2 stream's buffers count against it); either way one line naming the file and the cap.
      expect(r.stderr).toMatch(
        /bomb-through-server\.osm\.bz2: (decompresses to more than 67108864 bytes|the import needs more memory than its cap of 128 MB)/,
      );
      expect(r.stderr).not.toMatch(STACK);
      expect(server.child.exitCode).toBeNull();
      expect(await healthz(server)).toBe(200);
    },
    180_000,
  );

  it('an empty .osm.pbf: exit 1 with file and reason; the server still answers', async () => {
    const r = await cli(env, 'import', 'roads', emptyPbf());
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/empty\.osm\.pbf: the file is empty \(expected OSM PBF\)/);
    expect(server.child.exitCode).toBeNull();
    expect(await healthz(server)).toBe(200);
  }, 180_000);

  it('over the heap cap: exit 1 naming the cap; the server still answers and nothing was written', async () => {
    const r = await cli(env, 'import', 'settlements', bigCsv());
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/big\.csv: the import needs more memory than its cap of 128 MB/);
    expect(server.child.exitCode).toBeNull();
    expect(await healthz(server)).toBe(200);
    const data = await server.gql<{ settlements: { totalCount: number } }>(
      '{ settlements(first: 1) { totalCount } }',
    );
    expect(data.settlements.totalCount).toBe(0);
  }, 180_000);

  it('a light read is answered while a 50,000-row import is still running (ordering, not timing)', async () => {
    const file = join(dir, 'fifty-thousand.csv');
    const rows = ['externalId,name,population,lon,lat,municipalityCode'];
    for (let i = 0; i < 50_000; i++)
      rows.push(
        `F${i},By ${i},${100 + (i % 900)},${(13 + (i % 300) / 100).toFixed(4)},${(60 + Math.floor(i / 300) / 400).toFixed(4)},2085`,
      );
    writeFileSync(file, `${rows.join('\n')}\n`);
    const importing = spawnServiceatlas(env, ['import', 'settlements', file]);
    // The import has begun reading (its first progress line, sent by whoever runs it)…
    await importing.waitFor(/Importing settlements/);
    // …and a light read, sent now, comes back before the import command has ended.
    const data = await server.gql<{ serviceTypes: { code: string }[] }>('{ serviceTypes { code } }');
    const stillRunning = importing.child.exitCode === null;
    expect(data.serviceTypes.length).toBeGreaterThan(0);
    expect(await healthz(server)).toBe(200);
    const r = await importing.exited;
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/50000 valid rows — 50000 inserted/);
    expect(stillRunning).toBe(true);
  }, 300_000);

  it('after all that, a good import through the same server commits and is read at once', async () => {
    const file = join(dir, 'good.csv');
    writeFileSync(
      file,
      'externalId,name,population,lon,lat,municipalityCode\nG1,Grangärde,500,14.98,60.26,2085\n',
    );
    const r = await cli(env, 'import', 'settlements', file);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/1 valid rows — 1 inserted/);
    const data = await server.gql<{ settlements: { totalCount: number } }>(
      '{ settlements(first: 1) { totalCount } }',
    );
    expect(data.settlements.totalCount).toBe(50_001); // the 50,000-row import before, and this row
  }, 180_000);
});
