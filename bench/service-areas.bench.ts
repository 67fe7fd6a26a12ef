/**
 * Service areas by type (engine/travel/service-areas.ts) on three data sets, with the baseline an expert
 * would run in the same process when DATABASE_URL is set: ONE pgr_drivingDistance from a virtual
 * super-source joined to every site's seed node (at the seed's minutes) on the same reversed graph, then
 * PostGIS ST_ConcaveHull over the reached nodes per minutes value. The graph's load into PostgreSQL is
 * shown apart. No cache on either side: every engine figure includes the type's labels (a full search)
 * unless labelled "labels kept" (how the API answers after the type's access table exists).
 *
 *   npm run bench:service-areas            demo (ESTIMATED), Andorra (NETWORK), the 2.5M-edge bench network
 *   npm run bench:service-areas -- --small  a quarter-size bench network
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/<db> npm run bench:service-areas   adds pgRouting
 */
import { loadavg } from 'node:os';
import type { Kysely } from 'kysely';
import pg from 'pg';
import { createDb } from '../src/db/client.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { buildDemoSettlements } from '../src/demo/settlements.js';
import { demoOsmPoints, OSM_DEMO_TYPES } from '../src/demo/real-points.js';
import { generateDemoServicePoints } from '../src/demo/service-points.js';
import { AccessEngine } from '../src/engine/access.js';
import { buildRoadNetwork, NetworkTravelCost, type RoadNetwork } from '../src/engine/travel/network.js';
import {
  nodeLabels,
  type RoadEdges,
  renumberNodesForLocality,
  siteSeeds,
} from '../src/engine/network/index.js';
import { EstimatedTravelCost } from '../src/engine/travel/estimated.js';
import { DEFAULT_TRAVEL_MODEL, type EnginePoint } from '../src/engine/types.js';
import { importRoads } from '../src/modules/roads/road-import.service.js';
import { loadRoadEdges } from '../src/modules/roads/road.repository.js';
import { catalogue, codes, generateCountry, seededRandom } from './country-case.js';
import { generateNetwork, shuffleNodes } from './network-case.js';

const small = process.argv.includes('--small');
const url = process.env.DATABASE_URL;
const MINUTES = [10, 20];
const ANDORRA = new URL('../data/open/osm-andorra-2020/andorra-2020-05-01.osm.pbf', import.meta.url).pathname;

const fmt = (s: number) => (s < 1 ? `${(s * 1000).toFixed(0)} ms` : `${s.toFixed(2)} s`);
const load = () => loadavg()[0]!.toFixed(1);
const line = (label: string, value: string, note = '') =>
  console.log(`${label.padEnd(52)} ${value.padStart(9)}  ${note}`);
/** Wall seconds, and CPU seconds of this process (the machine is shared: wall includes waiting for a core). */
function timed<T>(run: () => T): { value: T; s: number; cpu: number } {
  const t = performance.now();
  const c = process.cpuUsage();
  const value = run();
  const used = process.cpuUsage(c);
  return { value, s: (performance.now() - t) / 1000, cpu: (used.user + used.system) / 1e6 };
}
const vertices = (g: { type: string; coordinates: unknown } | null) =>
  g === null ? 0 : JSON.stringify(g.coordinates).split('],[').length;

console.log(`service-areas bench: load average ${load()} on ${small ? 'the small' : 'the full'} sizes`);

// 1. The demo (ESTIMATED): every type, [10, 20], the README example.
{
  console.log('\n— demo (ESTIMATED, the points the demo loads) —');
  const settlements = buildDemoSettlements();
  const osm = demoOsmPoints();
  const generated = generateDemoServicePoints(settlements, new Set(Object.values(OSM_DEMO_TYPES)));
  const points: EnginePoint[] = [...osm, ...generated].map((p, i) => ({
    id: String(i),
    name: p.name,
    lon: p.lon,
    lat: p.lat,
    serviceTypes: p.serviceTypes,
    municipalityCode: p.municipalityCode,
  }));
  const engine = new AccessEngine(points, catalogue);
  const travel = new EstimatedTravelCost(settlements, engine, DEFAULT_TRAVEL_MODEL);
  let worst = 0;
  let worstCpu = 0;
  for (const round of [1, 2]) {
    for (const code of codes) {
      const { value, s, cpu } = timed(() => travel.serviceAreas(code, MINUTES));
      worst = Math.max(worst, s);
      worstCpu = Math.max(worstCpu, cpu);
      line(
        `  ${round === 1 ? 'first' : 'again'} ${code} [10, 20] (${engine.index(code).points.length} points)`,
        fmt(s),
        `cpu ${fmt(cpu)}; ${value.map((a) => vertices(a.geometry)).join(' + ')} vertices; load ${load()}`,
      );
    }
  }
  line(
    '  worst type (wall)',
    fmt(worst),
    `cpu ${fmt(worstCpu)}; target ≤ 1 s (ESTIMATED engine path, no cache)`,
  );
}

// 2. Andorra's OSM roads (NETWORK): 12 seeded stores on road nodes.
async function andorra(): Promise<void> {
  console.log('\n— Andorra, OSM 2020 (NETWORK) —');
  const handle = await createDb({});
  await migrateToLatest(handle.db as unknown as Kysely<unknown>);
  await importRoads(handle.db, { file: ANDORRA });
  const stored = (await loadRoadEdges(handle.db))!;
  await handle.close();
  const edges = renumberNodesForLocality(stored).edges;
  await typeCase('Andorra', buildRoadNetwork(edges, 'andorra'), 12, seededRandom(5));
}

/** One type of `count` points on random road nodes: labels + areas, cold and with labels kept. */
async function typeCase(name: string, network: RoadNetwork, count: number, random: () => number) {
  const { edges } = network;
  const points: EnginePoint[] = Array.from({ length: count }, (_, i) => {
    const x = Math.floor(random() * edges.nodeCount);
    return {
      id: `p${i}`,
      name: `p${i}`,
      lon: edges.nodeLonLat[2 * x]!,
      lat: edges.nodeLonLat[2 * x + 1]!,
      serviceTypes: ['GROCERY'],
      municipalityCode: null,
    };
  });
  const engine = new AccessEngine(points, catalogue);
  for (const round of [1, 2]) {
    const travel = new NetworkTravelCost([], engine, DEFAULT_TRAVEL_MODEL, network);
    const cold = timed(() => travel.serviceAreas('GROCERY', MINUTES));
    const kept = timed(() => travel.serviceAreas('GROCERY', MINUTES));
    line(
      `  run ${round}: GROCERY [10, 20] (${count} points), labels + areas`,
      fmt(cold.s),
      `cpu ${fmt(cold.cpu)}; ${cold.value.map((a) => vertices(a.geometry)).join(' + ')} vertices; load ${load()}`,
    );
    line(`  run ${round}: the same, labels kept`, fmt(kept.s), `cpu ${fmt(kept.cpu)}; load ${load()}`);
  }
  if (url) await pgRoutingAreas(name, network, engine);
  else console.log('  (DATABASE_URL not set: pgRouting + ST_ConcaveHull baseline skipped)');
}

/** The baseline: one pgr_drivingDistance from a super-source, then ST_ConcaveHull per minutes value. */
async function pgRoutingAreas(name: string, network: RoadNetwork, engine: AccessEngine): Promise<void> {
  const { edges } = network;
  const travel = new NetworkTravelCost([], engine, DEFAULT_TRAVEL_MODEL, network);
  const sites = engine
    .index('GROCERY')
    .points.map((p, j) => {
      const s = network.snapper.snap(p.lon, p.lat, 5);
      return s === null
        ? null
        : {
            facility: j,
            edge: s.edge,
            fraction: s.fraction,
            alongKm: s.alongKm,
            connectorKm: s.connectorKm,
            connectorMinutes: (s.connectorKm / 20) * 60,
          };
    })
    .filter((s) => s !== null);
  const seeds = siteSeeds(edges, sites);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('CREATE EXTENSION IF NOT EXISTS pgrouting CASCADE');
    await client.query("SET statement_timeout = '900s'");
    await client.query('DROP TABLE IF EXISTS bench_sa_edges, bench_sa_nodes');
    await client.query(
      'CREATE TEMP TABLE bench_sa_edges (id bigint, source bigint, target bigint, cost float8, reverse_cost float8)',
    );
    await client.query(
      'CREATE TEMP TABLE bench_sa_nodes (id bigint PRIMARY KEY, geom geometry(Point, 4326))',
    );
    let t = performance.now();
    const chunk = 200_000;
    for (let start = 0; start < edges.count; start += chunk) {
      const end = Math.min(edges.count, start + chunk);
      const cols: number[][] = [[], [], [], [], []];
      for (let e = start; e < end; e++) {
        // Reversed: the search runs from the services, our cost is from a place TO a service.
        cols[0]!.push(e + 1);
        cols[1]!.push(edges.target[e]!);
        cols[2]!.push(edges.source[e]!);
        cols[3]!.push(edges.minutes[e]!);
        cols[4]!.push(edges.oneway[e] === 1 ? -1 : edges.minutes[e]!);
      }
      await client.query(
        'INSERT INTO bench_sa_edges SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::float8[], $5::float8[])',
        cols,
      );
    }
    for (let start = 0; start < edges.nodeCount; start += chunk) {
      const end = Math.min(edges.nodeCount, start + chunk);
      const ids: number[] = [];
      const lons: number[] = [];
      const lats: number[] = [];
      for (let x = start; x < end; x++) {
        ids.push(x);
        lons.push(edges.nodeLonLat[2 * x]!);
        lats.push(edges.nodeLonLat[2 * x + 1]!);
      }
      await client.query(
        'INSERT INTO bench_sa_nodes SELECT id, ST_SetSRID(ST_MakePoint(lon, lat), 4326) FROM unnest($1::bigint[], $2::float8[], $3::float8[]) AS u(id, lon, lat)',
        [ids, lons, lats],
      );
    }
    // The super-source: one virtual node joined to every seed node at the seed's minutes (one way).
    const superNode = edges.nodeCount;
    await client.query(
      'INSERT INTO bench_sa_edges SELECT $1::bigint + n, $2::bigint, node, minutes, -1 FROM unnest($3::bigint[], $4::float8[]) WITH ORDINALITY AS u(node, minutes, n)',
      [edges.count + 1, superNode, seeds.map((s) => s.node), seeds.map((s) => s.minutes)],
    );
    await client.query('ANALYZE bench_sa_edges');
    line(
      `  pgRouting: load ${name} graph + nodes (apart)`,
      fmt((performance.now() - t) / 1000),
      `load ${load()}`,
    );
    for (const round of [1, 2]) {
      t = performance.now();
      const dd = await client.query(
        `CREATE TEMP TABLE IF NOT EXISTS bench_sa_reach AS SELECT node, agg_cost FROM pgr_drivingDistance(
           'SELECT id, source, target, cost, reverse_cost FROM bench_sa_edges', $1::bigint, $2::float8, true)`,
        [superNode, Math.max(...MINUTES)],
      );
      void dd;
      const ddS = (performance.now() - t) / 1000;
      const t2 = performance.now();
      const hulls = await client.query(
        `SELECT m, ST_NPoints(h) AS n, ST_IsValid(h) AS valid FROM (
           SELECT m, ST_ConcaveHull(ST_Collect(geom), 0.1) AS h
           FROM unnest($1::float8[]) AS m, bench_sa_reach r JOIN bench_sa_nodes n ON n.id = r.node
           WHERE r.agg_cost <= m GROUP BY m) x ORDER BY m`,
        [MINUTES],
      );
      const hullS = (performance.now() - t2) / 1000;
      const reached = await client.query('SELECT count(*)::int AS n FROM bench_sa_reach');
      await client.query('DROP TABLE bench_sa_reach');
      line(
        `  run ${round}: pgr_drivingDistance (super-source, ≤ ${Math.max(...MINUTES)} min)`,
        fmt(ddS),
        `${reached.rows[0].n.toLocaleString()} nodes reached; load ${load()}`,
      );
      line(
        `  run ${round}: + ST_ConcaveHull(0.1) per value`,
        fmt(hullS),
        `${hulls.rows.map((r: { n: number; valid: boolean }) => `${r.n} vertices${r.valid ? '' : ' INVALID'}`).join(', ')}; total ${fmt(ddS + hullS)}`,
      );
    }
    // The same minutes? The engine's labels vs the super-source search on every node both reach.
    const labels = nodeLabels(network.graph, seeds, { maxMinutes: Math.max(...MINUTES) });
    const check = await client.query(
      `SELECT node, agg_cost FROM pgr_drivingDistance('SELECT id, source, target, cost, reverse_cost FROM bench_sa_edges', $1::bigint, $2::float8, true)`,
      [superNode, Math.max(...MINUTES)],
    );
    let agree = 0;
    let total = 0;
    for (const row of check.rows as { node: string; agg_cost: number }[]) {
      const x = Number(row.node);
      if (x === superNode) continue;
      total++;
      if (Math.abs(labels.minutes1[x]! - row.agg_cost) <= 1e-6 * Math.max(1, row.agg_cost)) agree++;
    }
    line(
      '  node minutes: engine labels = pgRouting super-source',
      `${((100 * agree) / Math.max(1, total)).toFixed(2)}%`,
      `${total.toLocaleString()} nodes`,
    );
    void travel;
  } finally {
    await client
      .query('DROP TABLE IF EXISTS bench_sa_edges, bench_sa_nodes, bench_sa_reach')
      .catch(() => undefined);
    await client.end();
  }
}

await andorra();

// 3. The 2.5M-edge bench network (bench/network-case.ts), one type with the country case's points.
{
  console.log(`\n— the bench network (${small ? 'quarter size' : '≈ 2.5M edges'}) —`);
  const stored = shuffleNodes(generateNetwork(seededRandom(2026), small ? 1.2 : 0.6), seededRandom(99));
  const edges: RoadEdges = renumberNodesForLocality(stored).edges;
  const network = buildRoadNetwork(edges, 'bench');
  const { points } = generateCountry(seededRandom(7), { origins: 1000, points: small ? 2_000 : 20_000 });
  const grocery = points.filter((p) => p.serviceTypes.includes('PHARMACY')).length;
  console.log(
    `  ${edges.count.toLocaleString()} edges, ${edges.nodeCount.toLocaleString()} nodes; ${grocery} PHARMACY points`,
  );
  const engine = new AccessEngine(points, catalogue);
  for (const round of [1, 2]) {
    const travel = new NetworkTravelCost([], engine, DEFAULT_TRAVEL_MODEL, network);
    const cold = timed(() => travel.serviceAreas('PHARMACY', MINUTES));
    const kept = timed(() => travel.serviceAreas('PHARMACY', MINUTES));
    line(
      `  run ${round}: PHARMACY [10, 20], labels + areas`,
      fmt(cold.s),
      `cpu ${fmt(cold.cpu)}; ${cold.value.map((a) => vertices(a.geometry)).join(' + ')} vertices; load ${load()}; target ≤ 3 s`,
    );
    line(`  run ${round}: the same, labels kept`, fmt(kept.s), `cpu ${fmt(kept.cpu)}; load ${load()}`);
  }
  if (url) {
    const pharmacies: EnginePoint[] = points
      .filter((p) => p.serviceTypes.includes('PHARMACY'))
      .map((p) => ({ ...p, serviceTypes: ['GROCERY'] }));
    await pgRoutingAreas('bench', network, new AccessEngine(pharmacies, catalogue));
  }
}
console.log(`\nload average at the end: ${load()}`);
