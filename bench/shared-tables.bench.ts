/**
 * bench:shared-tables — what a replica saves by loading a data version's access tables from the shared
 * store (src/modules/access/shared-tables.ts) instead of building them: on a PostgreSQL server
 * (DATABASE_URL; a database of its own is created and dropped), the generated country case is stored,
 * then for each of ROUNDS rounds a new snapshot (a replica's) is read and
 *   - build: every type's nearest table built on this thread (ESTIMATED travel model), cold;
 *   - store: those tables written to `shared_access_tables` on the server (what the first replica pays);
 *   - load: another new snapshot's tables loaded from the store (fetch, checksum, decode: what every
 *     other replica pays instead of the build).
 * Loads here read the primary itself; a replica reading from a standby reads the same rows there.
 *
 *   DATABASE_URL=postgres://… npm run bench:shared-tables
 *   SHARED_ORIGINS=600000 SHARED_POINTS=20000 DATABASE_URL=… npm run bench:shared-tables
 *   DATABASE_URL=… npm run bench:shared-tables -- --network   with a generated Sweden-shaped road network
 *                                     (≈ 2.4 km grid, as bench:graphql --network): the NETWORK model's build
 *
 * The load average is printed beside every figure (2 cores shared with other work: read figures with it).
 */
import { loadavg } from 'node:os';
import { sql } from 'kysely';
import { openApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createDb } from '../src/db/client.js';
import { SharedTables } from '../src/modules/access/shared-tables.js';
import { Services } from '../src/services.js';
import { codes, generateCountry, seededRandom } from './country-case.js';
import { storeCountryCase, storeGeneratedNetwork } from './country-db.js';

const ORIGINS = Number(process.env.SHARED_ORIGINS ?? 100_000);
const POINTS = Number(process.env.SHARED_POINTS ?? 6_000);
const ROUNDS = Number(process.env.SHARED_ROUNDS ?? 3);
const withNetwork = process.argv.includes('--network');

async function importNetwork(db: Parameters<typeof storeGeneratedNetwork>[0]): Promise<void> {
  const { edges } = await storeGeneratedNetwork(db);
  console.log(`roads: ${edges.toLocaleString('en')} edges (generated); ${load()}`);
}

const load = () =>
  `load ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`;
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

async function main(): Promise<void> {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('bench:shared-tables needs DATABASE_URL (a PostgreSQL server with PostGIS)');
  const name = `sa_shared_bench_${process.pid}`;
  const admin = await createDb({ databaseUrl: url });
  await sql.raw(`CREATE DATABASE ${name}`).execute(admin.db);
  const dbUrl = new URL(url);
  dbUrl.pathname = `/${name}`;
  try {
    const handle = await createDb({ databaseUrl: dbUrl.toString() });
    await sql`CREATE EXTENSION IF NOT EXISTS postgis`.execute(handle.db);
    const base = loadConfig({
      SERVICEATLAS_DEMO: 'off',
      LOG_LEVEL: 'silent',
      DATABASE_URL: dbUrl.toString(),
    });
    const config = { ...base, limits: { ...base.limits, analysisWorkers: 0 } };
    const app = await openApp(config, { demo: false, handle });
    const { origins, points } = generateCountry(seededRandom(2020), { origins: ORIGINS, points: POINTS });
    await storeCountryCase(app.db, { origins, points });
    if (withNetwork) await importNetwork(app.db);
    console.log(
      `case: ${ORIGINS.toLocaleString('en')} settlements, ${POINTS.toLocaleString('en')} points, ${codes.length} types (generated); ${load()}`,
    );
    const model = config.travelModel;
    for (let round = 1; round <= ROUNDS; round++) {
      // A new Services is a new replica's snapshot: nothing built, nothing cached.
      const snapshot = await new Services(app.db, config).snapshot();
      if (round === 1) console.log(`travel: ${snapshot.network ? 'NETWORK (road network)' : 'ESTIMATED'}`);
      let t = performance.now();
      for (const code of codes) snapshot.nearestTable(code, model);
      const build = performance.now() - t;
      const buildLoad = load();
      await sql`TRUNCATE shared_access_tables`.execute(app.db);
      t = performance.now();
      await new SharedTables(app.db).store(snapshot);
      const store = performance.now() - t;
      const storeLoad = load();
      const { rows } = await sql<{ bytes: string }>`SELECT sum(length(bytes))::text AS bytes
        FROM shared_access_tables`.execute(app.db);
      const other = await new Services(app.db, config).snapshot();
      t = performance.now();
      const loaded = await new SharedTables(app.db).load(other, model, app.db);
      const loadMs = performance.now() - t;
      if (loaded.length !== codes.length) throw new Error(`loaded ${loaded.length} of ${codes.length} types`);
      console.log(
        `round ${round}: build ${s(build)} (${buildLoad}) | store ${s(store)}, ${(Number(rows[0]!.bytes) / 2 ** 20).toFixed(1)} MiB (${storeLoad}) | load ${s(loadMs)} (${load()}) | build/load ${(build / loadMs).toFixed(1)}×`,
      );
    }
    await app.close();
  } finally {
    await sql.raw(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).execute(admin.db);
    await admin.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
