/**
 * bench:regions — memory of regional partitions (SERVICEATLAS_REGIONS; docs/scaling.md "Regional
 * partitions") on the generated country case (bench/country-case.ts, SCB-shaped codes as
 * test/helpers/regions-case.ts stores it), on PostgreSQL:
 *
 * 1. RSS: three `serviceatlas serve` processes over one database — the whole instance, WEST and EAST —
 *    each warmed with indicators for every type (its nine access tables built), RSS read from /proc, and
 *    the rows each holds (/readyz).
 * 2. Snapshot bytes, each in a fresh process (--expose-gc): the V8 heap plus array buffers a snapshot takes
 *    with its nine access tables built, for the whole data and each partition; bytes per origin.
 * 3. Per grid cell: the same for a snapshot whose origins are 250 m grid cells (resident tables, nine types),
 *    generated in memory — the figure docs/scaling.md extrapolates Sweden at 250 m and Europe from.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm run bench:regions
 *   REGIONS_ORIGINS=20000 REGIONS_POINTS=2000 REGIONS_CELLS=200000 REGIONS_PORT=41101 npm run bench:regions
 *
 * DATABASE_URL names a server (any database on it): the bench creates a database of its own there and
 * drops it after. Without it, a temporary PostgreSQL server is built (initdb, as bench:cluster does).
 * The load average is printed beside every figure; the machine is shared, so times are not reported.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { sql } from 'kysely';
import { openApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createDb } from '../src/db/client.js';
import { readDataVersion } from '../src/db/data-version.js';
import type { EngineGridCell } from '../src/engine/population-base.js';
import { AnalysisSnapshot, loadSnapshot } from '../src/modules/access/snapshot.js';
import { DEFAULT_NETWORK_OPTIONS } from '../src/engine/travel/network.js';
import type { ServicePoint } from '../src/modules/service-points/service-point.repository.js';
import { createPgCluster, type PgCluster } from '../test/helpers/pg-cluster.js';
import { EAST, regionsCase, storeRegionsCase, WEST } from '../test/helpers/regions-case.js';
import { serverUrl } from '../test/helpers/server-db.js';
import type { Spawned } from '../test/helpers/spawn.js';
import { spawnServiceatlas } from '../test/helpers/spawn.js';
import { catalogue, generateCountry, seededRandom } from './country-case.js';

const ORIGINS = Number(process.env.REGIONS_ORIGINS ?? 20_000);
const POINTS = Number(process.env.REGIONS_POINTS ?? 2_000);
const CELLS = Number(process.env.REGIONS_CELLS ?? 200_000);
const PORT = Number(process.env.REGIONS_PORT ?? 41_101);
const MB = 1024 * 1024;

const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');

const gc = (): void => {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (!collect) throw new Error('run with node --expose-gc (npm run bench:regions does)');
  collect();
  collect();
};
const used = (): number => {
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};

const PARTITIONS = [
  { name: 'whole', regions: [] as string[] },
  { name: 'WEST', regions: WEST },
  { name: 'EAST', regions: EAST },
];

async function database(): Promise<{ url: string; drop(): Promise<void> }> {
  const cluster: PgCluster | null = process.env.DATABASE_URL ? null : await createPgCluster('sa');
  const base = process.env.DATABASE_URL ?? cluster!.primary.url('sa');
  const name = `serviceatlas_regions_bench_${process.pid}`;
  const admin = await createDb({ databaseUrl: base });
  await sql.raw(`CREATE DATABASE ${name}`).execute(admin.db);
  return {
    url: serverUrl(base, name),
    drop: async () => {
      await sql.raw(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).execute(admin.db);
      await admin.close();
      await cluster?.destroy();
    },
  };
}

async function rssOfPartitions(url: string): Promise<void> {
  const running: Spawned[] = [];
  try {
    for (const [i, p] of PARTITIONS.entries()) {
      const port = PORT + i;
      const child = spawnServiceatlas(
        {
          ...process.env,
          DATABASE_URL: url,
          SERVICEATLAS_DEMO: 'off',
          SERVICEATLAS_REGIONS: p.regions.join(','),
          SERVICEATLAS_RESPONSE_CACHE_MB: '0',
          SERVICEATLAS_RATE_LIMIT_IP: '0',
          SERVICEATLAS_TABLE_CACHE: 'off',
          // The warm-up asks for every type over a whole county: more work than the default cap allows.
          SERVICEATLAS_MAX_WORK: '1000000000',
          LOG_LEVEL: 'warn',
        },
        ['serve', '--port', String(port)],
      );
      running.push(child);
      await child.waitFor(/Serviceatlas is ready/);
      const base = `http://127.0.0.1:${port}`;
      // Warm: indicators of every type for one county the replica holds (all nine tables built).
      const county = p.regions[0] ?? WEST[0]!;
      const res = await fetch(`${base}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          query: `{ accessIndicators(area: { countyCode: "${county}" }, groupBy: COUNTY) { population } }`,
        }),
      });
      const body = (await res.json()) as { errors?: unknown };
      if (body.errors) throw new Error(`warm-up failed: ${JSON.stringify(body.errors)}`);
      const ready = (await (await fetch(`${base}/readyz`)).json()) as {
        partition?: { settlements: number; points: number };
      };
      const status = readFileSync(`/proc/${child.child.pid}/status`, 'utf8');
      const rss = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
      const rows = ready.partition
        ? `${ready.partition.settlements} settlements, ${ready.partition.points} points`
        : `${ORIGINS} settlements, ${POINTS} points`;
      console.log(`RSS ${p.name.padEnd(5)} ${rss.toFixed(0)} MB (${rows}) · load ${load()}`);
      // One at a time: three servers side by side would each see the others' load, not their memory.
      child.child.kill('SIGTERM');
      await child.exited;
      running.pop();
    }
  } finally {
    for (const r of running) r.child.kill('SIGKILL');
  }
}

/**
 * One snapshot's bytes, measured in a fresh process (this file with REGIONS_MEASURE set), so no other
 * snapshot, cache or garbage of this one is counted: the heap and array buffers after a warm connection,
 * after the rows are loaded and after the nine access tables are built.
 */
async function measureSnapshot(url: string, codes: readonly string[]): Promise<void> {
  const handle = await createDb({ databaseUrl: url });
  const model = loadConfig({}).travelModel;
  try {
    await readDataVersion(handle.db);
    const before = used();
    const snapshot = await loadSnapshot(handle.db, { regions: { codes, model } });
    const loaded = used();
    for (const t of snapshot.catalogue) snapshot.table(t.code, model);
    const after = used();
    console.log(
      JSON.stringify({
        settlements: snapshot.settlements.length,
        points: snapshot.openPoints.length,
        rows: loaded - before,
        total: after - before,
      }),
    );
  } finally {
    await handle.close();
  }
}

async function snapshotBytes(url: string): Promise<void> {
  for (const p of PARTITIONS) {
    const out = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', import.meta.filename], {
      env: { ...process.env, REGIONS_MEASURE: p.regions.join(',') || 'whole', REGIONS_URL: url },
      encoding: 'utf8',
    });
    const m = JSON.parse(out.trim().split('\n').at(-1)!) as {
      settlements: number;
      points: number;
      rows: number;
      total: number;
    };
    console.log(
      `snapshot ${p.name.padEnd(5)} ${m.settlements} settlements, ${m.points} points: ` +
        `rows ${(m.rows / MB).toFixed(1)} MB, with 9 tables ${(m.total / MB).toFixed(1)} MB ` +
        `= ${(m.total / m.settlements).toFixed(0)} bytes per settlement · load ${load()}`,
    );
  }
}

/** Bytes per 250 m grid cell of a snapshot's origins and its nine resident tables (in memory, no database). */
function gridCellBytes(): void {
  const { origins, points } = generateCountry(seededRandom(250), { origins: CELLS, points: POINTS });
  const open: ServicePoint[] = points.map((p) => ({
    ...p,
    status: 'OPEN',
    operator: null,
    capacity: null,
    openingHours: null,
    externalId: p.id,
    source: 'bench',
    generated: true,
    validFrom: null,
    validTo: null,
  }));
  const before = used();
  const cells: EngineGridCell[] = origins.map((o, i) => ({
    id: `${String(6_000_000 + Math.round(o.lat * 1000)).padStart(7, '0')}${String(i).padStart(7, '0')}`,
    sizeM: 250,
    lon: o.lon,
    lat: o.lat,
    population: 1 + (i % 97),
    population65Plus: null,
    population80Plus: null,
    municipalityCode: '2085',
    countyCode: '20',
  }));
  const snapshot = new AnalysisSnapshot(
    1,
    [],
    open,
    catalogue,
    null,
    DEFAULT_NETWORK_OPTIONS,
    null,
    undefined,
    cells,
  );
  const loaded = used();
  const model = loadConfig({}).travelModel;
  for (const t of catalogue) snapshot.residentTable(t.code, model);
  const after = used();
  console.log(
    `grid cells: ${CELLS} cells × 9 types: cells ${((loaded - before) / CELLS).toFixed(0)} bytes each, ` +
      `with resident tables ${((after - before) / CELLS).toFixed(0)} bytes per cell ` +
      `(${((after - before) / MB).toFixed(1)} MB) · load ${load()}`,
  );
}

async function main(): Promise<void> {
  console.log(`bench:regions — ${ORIGINS} settlements, ${POINTS} points, load ${load()}`);
  const db = await database();
  try {
    const config = loadConfig({ DATABASE_URL: db.url, SERVICEATLAS_DEMO: 'off', LOG_LEVEL: 'silent' });
    const app = await openApp(config, {});
    await storeRegionsCase(app.db, regionsCase({ origins: ORIGINS, points: POINTS }));
    await app.close();
    await rssOfPartitions(db.url);
    await snapshotBytes(db.url);
  } finally {
    await db.drop();
  }
  // In a fresh process too.
  process.stdout.write(
    execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', import.meta.filename], {
      env: { ...process.env, REGIONS_MEASURE: 'grid' },
      encoding: 'utf8',
    }),
  );
}

const measuring = process.env.REGIONS_MEASURE;
if (measuring === 'grid') gridCellBytes();
else if (measuring) {
  await measureSnapshot(process.env.REGIONS_URL!, measuring === 'whole' ? [] : measuring.split(','));
} else await main();
