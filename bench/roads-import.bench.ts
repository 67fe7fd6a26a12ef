/**
 * Road import and load timings on a real extract, on the configured backend (embedded PGlite in memory, or
 * DATABASE_URL — a scratch database: its road network is replaced).
 *   npx tsx bench/roads-import.bench.ts [file.osm.pbf]     default: the vendored Andorra 2020 (data/open/)
 * Prints wall and CPU seconds for: reading only (both passes + cutting edges), the whole import (read +
 * replace in one transaction), and loadRoadEdges (keyset pages → typed arrays), with edges/s.
 */
import { existsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import type { Kysely } from 'kysely';
import { createDb } from '../src/db/client.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { prepareRoads } from '../src/import/roads/index.js';
import { importRoads } from '../src/modules/roads/road-import.service.js';
import { loadRoadEdges } from '../src/modules/roads/road.repository.js';

const file =
  process.argv[2] ?? resolve(import.meta.dirname, '../data/open/osm-andorra-2020/andorra-2020-05-01.osm.pbf');
if (!existsSync(file)) throw new Error(`no road file at ${file}: pass one`);

async function timed<T>(label: string, run: () => Promise<T>): Promise<T> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  const value = await run();
  const wall = (performance.now() - start) / 1000;
  const used = process.cpuUsage(cpu);
  console.log(
    `  ${label.padEnd(44)} wall ${wall.toFixed(2).padStart(7)} s   cpu ${((used.user + used.system) / 1e6).toFixed(2).padStart(7)} s`,
  );
  return value;
}

console.log(`roads bench: ${file}`);
console.log(
  `  machine: ${cpus().length} cores, load ${loadavg()[0]!.toFixed(1)}; backend ${process.env.DATABASE_URL ? 'postgres' : 'pglite'}`,
);
const handle = await createDb({ databaseUrl: process.env.DATABASE_URL });
await migrateToLatest(handle.db as unknown as Kysely<unknown>);
const edges = await timed('read only (2 passes + cut edges)', async () => {
  const prepared = await prepareRoads(file);
  let n = 0;
  for (const _ of prepared.edges()) n++;
  return n;
});
const summary = await timed('import (read + replace network)', () => importRoads(handle.db, { file }));
console.log(
  `    ${summary.edges} edges, ${summary.nodes} nodes, ${summary.km.toFixed(1)} km (read-only pass cut ${edges})`,
);
const loaded = await timed('loadRoadEdges', () => loadRoadEdges(handle.db));
console.log(
  `    ${loaded?.count} edges, ${loaded?.vertexLonLat.length ? loaded.vertexLonLat.length / 2 : 0} vertices`,
);
const again = await timed('re-import (replaces the previous network)', () =>
  importRoads(handle.db, { file }),
);
console.log(`    ${again.edges} edges`);
await handle.close();
