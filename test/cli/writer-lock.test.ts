/**
 * One writer per embedded data directory, with real processes: a server and CLI imports on one data
 * directory, two imports at once, SIGKILL of an import, SIGTERM of a server with a request in flight.
 *
 * Both backends run every test. What differs is only who writes: on the embedded PGlite the lock makes
 * a CLI import go through the running server (or wait, or refuse); with DATABASE_URL there is no lock
 * and PostgreSQL takes concurrent writers itself. The outcomes asserted (rows visible at once, exact
 * counts, nothing half-written, a clean reopen) are the same.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDb } from '../../src/db/client.js';
import { LOCK_FILE } from '../../src/db/data-dir-lock.js';
import type { DbHandle } from '../../src/db/client.js';
import { backend, freshCliEnvironment, openCliDatabase } from '../helpers/db.js';
import type { ServerProcess } from '../helpers/spawn.js';
import { cli, spawnServiceatlas, startServerProcess } from '../helpers/spawn.js';

const embedded = backend === 'pglite';
let dir: string;
let env: NodeJS.ProcessEnv;
let drop: () => Promise<void>;
let dataDir: string;
const lockFile = () => join(dataDir, LOCK_FILE);

/** `n` settlements with ids `<prefix>0…`, spread over a grid in Dalarna; `bad` breaks one row's population. */
function settlementsCsv(name: string, prefix: string, n: number, bad = false): string {
  const rows = ['externalId,name,population,lon,lat,municipalityCode'];
  for (let i = 0; i < n; i++) {
    const population = bad && i === 1 ? -3 : 100 + i;
    rows.push(
      `${prefix}${i},${prefix} by ${i},${population},${(14 + (i % 100) / 100).toFixed(4)},${(60 + Math.floor(i / 100) / 100).toFixed(4)},2085`,
    );
  }
  const file = join(dir, name);
  writeFileSync(file, `${rows.join('\n')}\n`);
  return file;
}

function servicePointsCsv(name: string, n: number): string {
  const rows = ['externalId,name,serviceTypes,lon,lat'];
  for (let i = 0; i < n; i++) rows.push(`P${i},Butik ${i},GROCERY,${14 + i / 50},${60.5 + i / 100}`);
  const file = join(dir, name);
  writeFileSync(file, `${rows.join('\n')}\n`);
  return file;
}

function areasGeoJson(name: string): string {
  const file = join(dir, name);
  const ring = [
    [13.5, 59.5],
    [15.5, 59.5],
    [15.5, 61.5],
    [13.5, 61.5],
    [13.5, 59.5],
  ];
  writeFileSync(
    file,
    JSON.stringify({
      type: 'FeatureCollection',
      features: [
        {
          type: 'Feature',
          properties: { code: '2085', name: 'Ludvika' },
          geometry: { type: 'Polygon', coordinates: [ring] },
        },
      ],
    }),
  );
  return file;
}

/** Opens the database from the test process (takes the lock on the embedded backend). */
async function withDatabase<T>(use: (handle: DbHandle) => Promise<T>): Promise<T> {
  const handle = await openCliDatabase(env);
  try {
    return await use(handle);
  } finally {
    await handle.close();
  }
}

async function countIn(handle: DbHandle, table: 'settlements' | 'service_points' | 'areas'): Promise<number> {
  const r = await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.table(table)}`.execute(handle.db);
  return r.rows[0]!.n;
}

async function countRows(table: 'settlements' | 'service_points' | 'areas'): Promise<number> {
  return withDatabase((handle) => countIn(handle, table));
}

const SETTLEMENT_COUNT = '{ settlements(first: 1) { totalCount } }';
const countVia = async (server: ServerProcess) =>
  (await server.gql<{ settlements: { totalCount: number } }>(SETTLEMENT_COUNT)).settlements.totalCount;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'serviceatlas-writer-lock-'));
  dataDir = join(dir, 'db');
  ({ env, drop } = await freshCliEnvironment(dataDir));
  env = { ...env, SERVICEATLAS_SHUTDOWN_TIMEOUT: '120' };
  // The embedded directory starts as the migrated template (a cluster is slow to create).
  if (embedded) {
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

describe('a server running on the database and CLI imports beside it', () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startServerProcess(env);
  }, 300_000);
  afterAll(async () => {
    if (server?.child.exitCode === null) await server.stop('SIGKILL');
  });

  it('the server holds the lock: its pid and port, readable by its user only', () => {
    if (!embedded) {
      // DATABASE_URL: no lock at all; PostgreSQL arbitrates the writers.
      expect(existsSync(lockFile())).toBe(false);
      return;
    }
    const holder = JSON.parse(readFileSync(lockFile(), 'utf8'));
    expect(holder).toMatchObject({
      pid: server.child.pid,
      command: 'serve',
      port: Number(new URL(server.url).port),
    });
    expect(holder.secret).toMatch(/^[\w-]{40,}$/);
    expect(statSync(lockFile()).mode & 0o777).toBe(0o600);
  });

  it('a settlement import reports its rows and the server answers with them at once', async () => {
    const file = settlementsCsv('first.csv', 'A', 300);
    const r = await cli(env, 'import', 'settlements', file);
    expect(r.stderr + r.stdout).toMatch(/300 valid rows — 300 inserted, 0 updated/);
    expect(r.code).toBe(0);
    expect(await countVia(server)).toBe(300);
    if (embedded) expect(r.stderr).toMatch(/sending the import through it/);
  }, 180_000);

  it('service points and areas go the same way (the route is generic over the import kind)', async () => {
    const points = await cli(env, 'import', 'service-points', servicePointsCsv('points.csv', 40));
    expect(points.stdout).toMatch(/40 inserted/);
    expect(points.code).toBe(0);
    const areas = await cli(env, 'import', 'areas', areasGeoJson('areas.geojson'), '--level', 'MUNICIPALITY');
    expect(areas.stdout).toMatch(/Imported 1 municipalities/);
    expect(areas.code).toBe(0);
    const data = await server.gql<{ servicePoints: { totalCount: number } }>(
      '{ servicePoints(first: 1) { totalCount } }',
    );
    expect(data.servicePoints.totalCount).toBe(40);
  }, 180_000);

  it('a population grid goes the same way, its options (--cell-size, --append) included', async () => {
    const first = join(dir, 'grid-a.csv');
    writeFileSync(first, 'rutid,population\n5000006700000,10\n5010006700000,20\n');
    const a = await cli(env, 'import', 'grid', first, '--cell-size', '1000');
    expect(a.stdout).toMatch(/2 cells of 1000 m/);
    expect(a.code).toBe(0);
    const second = join(dir, 'grid-b.csv');
    writeFileSync(second, 'rutid,population\n5020006700000,30\n');
    const b = await cli(env, 'import', 'grid', second, '--append');
    expect(b.code).toBe(0);
    const data = await server.gql<{ accessIndicators: { population: number; populationBase: string }[] }>(
      '{ accessIndicators(serviceTypes: [GROCERY], groupBy: COUNTY, area: { bbox: { minLon: 14, minLat: 60, maxLon: 16, maxLat: 61 } }) { population populationBase } }',
    );
    // The three squares have no municipality (no boundaries imported): one UNKNOWN row, grid only.
    expect(data.accessIndicators).toEqual([{ population: 60, populationBase: 'GRID' }]);
  }, 180_000);

  it('connectivity figures go the same way, --level, --as-of and --licence included', async () => {
    const file = join(dir, 'kommuner.csv');
    writeFileSync(file, 'municipalityCode,broadbandShare\n2085,0.91\n');
    const r = await cli(
      env,
      ...[
        'import',
        'connectivity',
        file,
        '--level',
        'MUNICIPALITY',
        '--as-of',
        '2025-10-01',
        '--licence',
        'CC0',
      ],
    );
    expect(r.stdout).toMatch(/1 rows — 1 inserted, 0 updated/);
    expect(r.code).toBe(0);
    if (embedded) expect(r.stderr).toMatch(/sending the import through it/);
    const data = await server.gql<{
      settlements: {
        nodes: { connectivity: { level: string; broadbandShare: number; licence: string; asOf: string } }[];
      };
    }>(
      '{ settlements(filter: { name: "A by 0" }) { nodes { connectivity { level broadbandShare licence asOf } } } }',
    );
    expect(data.settlements.nodes[0]!.connectivity).toEqual({
      level: 'MUNICIPALITY',
      broadbandShare: 0.91,
      licence: 'CC0',
      asOf: '2025-10-01',
    });
  }, 180_000);

  it('a bad file is refused with its file, line and field (exit 1) and changes nothing', async () => {
    const r = await cli(env, 'import', 'settlements', settlementsCsv('bad.csv', 'X', 5, true));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('bad.csv: 1 problem found; nothing was imported');
    expect(r.stderr).toMatch(/line 3, field "population"/);
    expect(r.stderr).not.toMatch(/serviceatlas-upload-/); // the user's file name, not the server's copy
    expect(await countVia(server)).toBe(300);
  }, 180_000);

  it('two imports at once both complete, one after the other, and reads see all or nothing of each', async () => {
    const one = settlementsCsv('one.csv', 'B', 2000);
    const two = settlementsCsv('two.csv', 'C', 2000);
    const a = spawnServiceatlas(env, ['import', 'settlements', one, '--wait', '600']);
    const b = spawnServiceatlas(env, ['import', 'settlements', two, '--wait', '600']);
    // GraphQL reads while the imports run: each import is one transaction, so a read sees 300, 2300 or 4300.
    const seen = new Set<number>();
    let finished = false;
    const polling = (async () => {
      // Paced under the server's per-IP rate limit (50/s): still dozens of reads per import.
      while (!finished) {
        seen.add(await countVia(server));
        await new Promise((r) => setTimeout(r, 25));
      }
    })();
    const [ra, rb] = await Promise.all([a.exited, b.exited]);
    finished = true;
    await polling;
    expect(ra.stdout).toMatch(/2000 inserted/);
    expect(rb.stdout).toMatch(/2000 inserted/);
    expect([ra.code, rb.code]).toEqual([0, 0]);
    expect(await countVia(server)).toBe(4300);
    for (const n of seen) expect([300, 2300, 4300]).toContain(n);
  }, 300_000);

  it('analyse goes through the server holding the embedded database, and says so', async () => {
    const r = await cli(env, 'analyse', 'deserts', '--service-type', 'GROCERY');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^settlementId,/);
    if (embedded) expect(r.stderr).toMatch(/held by the Serviceatlas server \(pid \d+, port \d+.*through it/);
    else expect(r.stderr).toMatch(/directly/);
  }, 120_000);

  it('after a normal stop the CLI opens the directory itself, and a restarted server sees every row', async () => {
    const stopped = await server.stop('SIGTERM');
    expect(stopped.code).toBe(0);

    const r = await cli(env, 'import', 'settlements', settlementsCsv('after.csv', 'D', 200));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/200 inserted/);
    expect(r.stderr).not.toMatch(/through/);

    // The restarted server stays up for the SIGTERM test below, which stops it (one server start fewer;
    // its stop is checked there: exit 0, "Stopped: database closed", every row readable, lock released).
    server = await startServerProcess(env);
    expect(await countVia(server)).toBe(4500);
    // Checked last, so that on a build without the lock the reopening above is what fails first.
    expect(stopped.stdout).toMatch(/Stopped: database closed/);
  }, 300_000);

  it('SIGTERM lets a request in flight finish, then closes the database and releases the directory', async () => {
    // The server restarted by the test above (a server start costs ~20 s on a loaded machine).
    expect(server.child.exitCode).toBeNull();
    const body = JSON.stringify({ query: SETTLEMENT_COUNT });
    // Expect: 100-continue makes the server confirm it has the request before we send the body, so the
    // signal provably lands while the request is in flight.
    const answer = new Promise<{ status: number; text: string }>((resolveAnswer, reject) => {
      const req = request(`${server.url}/graphql`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          expect: '100-continue',
        },
      });
      req.on('continue', () => {
        void (async () => {
          server.child.kill('SIGTERM');
          await server.waitFor(/SIGTERM: shutting down — finishing 1 request\(s\) in flight/);
          req.end(body);
        })();
      });
      req.on('response', (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (d: string) => {
          text += d;
        });
        res.on('end', () => resolveAnswer({ status: res.statusCode ?? 0, text }));
      });
      req.on('error', reject);
      req.flushHeaders();
    });
    const { status, text } = await answer;
    expect(status).toBe(200);
    const expected = await (async () => {
      const exit = await server.exited;
      expect(exit.code).toBe(0);
      expect(exit.stdout).toMatch(/Stopped: database closed/);
      return countRows('settlements'); // the directory opens again
    })();
    expect(JSON.parse(text)).toEqual({ data: { settlements: { totalCount: expected } } });
    expect(expected).toBe(4500);
    if (embedded) expect(existsSync(lockFile())).toBe(false);
  }, 300_000);
});

describe('CLI imports without a server', () => {
  it('a second import waits for the holder, or refuses after --wait, and never reports rows it did not write', async () => {
    const file = settlementsCsv('waiting.csv', 'E', 100);
    // The test process opens the database (as any other command would) and holds it.
    let handle = await openCliDatabase(env);
    const before = await countIn(handle, 'settlements');
    const refused = await cli(env, 'import', 'settlements', file, '--wait', '0');
    await handle.close();
    if (embedded) {
      expect(refused.code).toBe(3);
      expect(refused.stderr).toMatch(new RegExp(`in use by .*\\(pid ${process.pid}\\b`));
      expect(refused.stderr).toMatch(/nothing was imported/);
      expect(refused.stdout).not.toMatch(/inserted/);
      expect(await countRows('settlements')).toBe(before);
    } else {
      expect(refused.code).toBe(0); // PostgreSQL: no lock, the import simply runs
      expect(await countRows('settlements')).toBe(before + 100);
    }

    handle = await openCliDatabase(env);
    const waiting = spawnServiceatlas(env, ['import', 'settlements', file, '--wait', '600']);
    if (embedded) await waiting.waitFor(/waiting up to 600 s/);
    await handle.close();
    const done = await waiting.exited;
    expect(done.code).toBe(0);
    expect(done.stdout).toMatch(embedded ? /100 inserted/ : /0 inserted, 100 updated/);
    expect(await countRows('settlements')).toBe(before + 100);
  }, 300_000);

  it('a server that holds the directory but does not answer: the import refuses, naming its pid and port', async () => {
    const before = await countRows('settlements');
    // A lock as a server writes it, held by a live process (this one) on a port where nothing listens.
    const port = await new Promise<number>((resolvePort) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port: p } = probe.address() as AddressInfo;
        probe.close(() => resolvePort(p));
      });
    });
    const fake = { pid: process.pid, hostname: hostname(), bootId: null, procStart: null };
    if (embedded) {
      writeFileSync(
        lockFile(),
        JSON.stringify({ ...fake, startedAt: new Date().toISOString(), command: 'serve', port, secret: 's' }),
        { mode: 0o600 },
      );
    }
    const r = await cli(env, 'import', 'settlements', settlementsCsv('unreachable.csv', 'U', 5));
    if (embedded) {
      rmSync(lockFile());
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(new RegExp(`the Serviceatlas server \\(pid ${process.pid}, port ${port}`));
      expect(r.stderr).toMatch(/could not be sent through it/);
      expect(r.stderr).toMatch(new RegExp(`kill -TERM ${process.pid}.*DATABASE_URL`));
      expect(r.stdout).not.toMatch(/inserted/);
      expect(await countRows('settlements')).toBe(before);
    } else {
      expect(r.code).toBe(0);
      expect(await countRows('settlements')).toBe(before + 5);
    }
  }, 300_000);

  it('two imports at once: both succeed one after the other and every row is there', async () => {
    const before = await countRows('settlements');
    const a = cli(env, 'import', 'settlements', settlementsCsv('f.csv', 'F', 3000), '--wait', '600');
    const b = cli(env, 'import', 'settlements', settlementsCsv('g.csv', 'G', 3000), '--wait', '600');
    const [ra, rb] = await Promise.all([a, b]);
    expect(ra.stdout).toMatch(/3000 inserted/);
    expect(rb.stdout).toMatch(/3000 inserted/);
    expect([ra.code, rb.code]).toEqual([0, 0]);
    expect(await countRows('settlements')).toBe(before + 6000);
  }, 300_000);

  it('SIGKILL of an import leaves the database as before, and the next opener takes over the dead lock', async () => {
    const before = await countRows('settlements');
    const big = settlementsCsv('big.csv', 'H', 20000);
    const importing = spawnServiceatlas(env, ['import', 'settlements', big]);
    await importing.waitFor(/Importing settlements: 100%/); // read; validating and writing now
    importing.child.kill('SIGKILL');
    const killed = await importing.exited;
    expect(killed.signal).toBe('SIGKILL');
    expect(killed.stdout).not.toMatch(/inserted/);
    if (embedded) {
      const left = JSON.parse(readFileSync(lockFile(), 'utf8'));
      expect(left.pid).toBe(importing.child.pid);
    }
    const next = await cli(env, 'import', 'settlements', settlementsCsv('next.csv', 'I', 10));
    expect(next.code).toBe(0);
    if (embedded)
      expect(next.stderr).toMatch(new RegExp(`its holder \\(pid ${importing.child.pid}\\) is gone`));
    expect(await countRows('settlements')).toBe(before + 10);
  }, 300_000);
});
