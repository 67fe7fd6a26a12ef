/**
 * GraphQL latency of `settlements(first: 500) { nodes { access { … } } }` (500 settlements × 9 types),
 * warm, on the embedded PGlite + PostGIS, against the SQL-first baseline measured in the same run: the
 * same 500 × 9 nearest points answered by PostGIS in ONE LATERAL KNN query (GiST `<->` order, geography distance).
 *
 *   npx tsx bench/graphql.bench.ts           100,000 settlements, 20,000 service points (generated)
 *   npx tsx bench/graphql.bench.ts --origins 20000   a smaller case (a shared or slow machine)
 *   npx tsx bench/graphql.bench.ts --full    600,000 settlements
 *   npx tsx bench/graphql.bench.ts --network also a generated Sweden-shaped road network (≈ 2.4 km grid),
 *                                            imported through `import roads` (GeoJSON), and the same page
 *                                            on NETWORK against ESTIMATED (SERVICEATLAS_TRAVEL=estimated)
 *                                            on the same database, alternately, in the same run
 *
 * The headline is with the response cache OFF (SERVICEATLAS_RESPONSE_CACHE_MB=0): a map or a paging client
 * rarely repeats a request byte for byte, so every page is computed. A second line shows the cache on, for
 * a request repeated as it is (a hit). The machine's load average is printed at the start and the end.
 *
 * The first request of each server builds its snapshot and nine tables within the server's request budget
 * (10 s by default); on a slow host set SERVICEATLAS_REQUEST_TIMEOUT_MS (passed to the servers' config).
 */
import { loadavg } from 'node:os';
import { sql } from 'kysely';
import { openApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createDb } from '../src/db/client.js';
import { startServer } from '../src/server.js';
import { codes, generateCountry, seededRandom } from './country-case.js';
import { storeCountryCase, storeGeneratedNetwork } from './country-db.js';

const full = process.argv.includes('--full');
const withNetwork = process.argv.includes('--network');
const originsArg = process.argv.indexOf('--origins');
const ORIGINS = originsArg > 0 ? Number(process.argv[originsArg + 1]) : full ? 600_000 : 100_000;
const POINTS = 20_000;
/** Timed requests per server after the warm-up (p99 is then the 3rd slowest of 200, not the slowest of 40). */
const RUNS = 200;
/**
 * Untimed requests after the first, printed apart: the second sight of a query compiles it (graphql-jit,
 * SERVICEATLAS_GRAPHQL_JIT_AFTER) and the next few run code V8 has not optimised yet.
 */
const WARMUP = 5;

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
const ms = (v: number) => `${v.toFixed(1)} ms`;
const load = () =>
  `load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`;

async function main(): Promise<void> {
  const { origins, points } = generateCountry(seededRandom(2020), { origins: ORIGINS, points: POINTS });
  console.log(
    `case: ${ORIGINS.toLocaleString('en')} settlements, ${POINTS.toLocaleString('en')} points (generated); ${load()}`,
  );
  const config = {
    ...loadConfig({
      SERVICEATLAS_DEMO: 'off',
      LOG_LEVEL: 'silent',
      SERVICEATLAS_REQUEST_TIMEOUT_MS: process.env.SERVICEATLAS_REQUEST_TIMEOUT_MS,
      // The headline: every page computed (see the file comment).
      SERVICEATLAS_RESPONSE_CACHE_MB: '0',
      // 0: every query on graphql-js (the A/B against the compiled queries of the default).
      SERVICEATLAS_GRAPHQL_JIT_AFTER: process.env.SERVICEATLAS_GRAPHQL_JIT_AFTER,
    }),
    maxComplexity: 10_000_000,
  };
  const handle = await createDb({});
  const app = await openApp(config, { demo: false, handle });
  const t = performance.now();
  await storeCountryCase(app.db, { origins, points });
  console.log(`load: ${((performance.now() - t) / 1000).toFixed(1)} s`);
  if (withNetwork) {
    const summary = await storeGeneratedNetwork(app.db);
    console.log(
      `roads: ${summary.edges.toLocaleString('en')} edges, ${summary.nodes.toLocaleString('en')} nodes imported in ${summary.seconds.toFixed(1)} s (generated)`,
    );
  }

  const query = `query($after: String) { settlements(first: 500, after: $after) { nodes { id access {
    serviceType travelMinutes straightLineKm withinThreshold method servicePoint { id name } } } } }`;
  const cursor = (id: number) => Buffer.from(`k:${id}`).toString('base64url');
  const serve = async (served: typeof app, label: string) => {
    const running = await startServer({ app: served, config: served.config, port: 0 });
    const methods = new Map<string, number>();
    /** Resolves with the milliseconds until the whole response arrived; checks it after the clock stops. */
    const post = async (after: string | null): Promise<number> => {
      const s = performance.now();
      const res = await fetch(`${running.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query, variables: { after } }),
      });
      const text = await res.text();
      const took = performance.now() - s;
      const body = JSON.parse(text) as {
        errors?: unknown;
        data?: { settlements: { nodes: { access: { method: string }[] }[] } };
      };
      if (body.errors || body.data?.settlements.nodes.length !== 500)
        throw new Error(JSON.stringify(body.errors));
      for (const n of body.data.settlements.nodes)
        for (const a of n.access) methods.set(a.method, (methods.get(a.method) ?? 0) + 1);
      return took;
    };
    console.log(
      `${label}: first request (loads the snapshot, builds 9 access tables): ${ms(await post(null))}`,
    );
    const warm: number[] = [];
    for (let i = 0; i < WARMUP; i++) warm.push(await post(cursor(1 + i * 500)));
    console.log(
      `${label}: the next ${WARMUP} (the second compiles the query), not in the figures below: ${warm.map((t) => t.toFixed(0)).join(', ')} ms`,
    );
    return { running, post, methods };
  };
  const estimatedApp = withNetwork
    ? await openApp({ ...config, network: { ...config.network, use: 'estimated' } }, { demo: false, handle })
    : null;
  const servers = [
    {
      label: withNetwork ? 'NETWORK' : 'API',
      ...(await serve(app, withNetwork ? 'NETWORK' : 'API')),
      times: [] as number[],
    },
  ];
  if (estimatedApp)
    servers.push({ label: 'ESTIMATED', ...(await serve(estimatedApp, 'ESTIMATED')), times: [] });
  const random = seededRandom(7);
  for (let i = 0; i < RUNS; i++) {
    const after = cursor(Math.floor(random() * (ORIGINS - 600)));
    // Alternately, so both see the same machine load.
    for (const server of servers) server.times.push(await server.post(after));
  }
  const api = servers[0]!.times;

  // The response cache on, for the same request repeated as it is (after one miss, every one a hit).
  const cached = await startServer({
    app,
    config: { ...app.config, responseCacheBytes: 64 * 2 ** 20 },
    port: 0,
  });
  const hits: number[] = [];
  const repeated = JSON.stringify({ query, variables: { after: cursor(1000) } });
  for (let i = 0; i <= 10; i++) {
    const s = performance.now();
    const res = await fetch(`${cached.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: repeated,
    });
    await res.arrayBuffer();
    if (i > 0) hits.push(performance.now() - s);
  }
  await cached.close();
  hits.sort((a, b) => a - b);

  const baseline: number[] = [];
  for (let i = 0; i < Math.min(RUNS, 10); i++) {
    const after = Math.floor(random() * (ORIGINS - 600));
    const s = performance.now();
    const r = await sql`
      SELECT s.id, t.code, n.id AS point_id, n.km
      FROM (SELECT id, geom FROM settlements WHERE id > ${after} ORDER BY id LIMIT 500) s
      CROSS JOIN unnest(${codes}::text[]) AS t(code)
      CROSS JOIN LATERAL (
        SELECT p.id, ST_Distance(p.geom::geography, s.geom::geography) / 1000 AS km
        FROM service_points p
        WHERE p.status = 'OPEN' AND t.code = ANY(p.service_types)
        ORDER BY p.geom <-> s.geom LIMIT 1) n`.execute(app.db);
    if (r.rows.length !== 500 * codes.length) throw new Error(`baseline returned ${r.rows.length} rows`);
    baseline.push(performance.now() - s);
  }
  for (const server of servers) server.times.sort((a, b) => a - b);
  baseline.sort((a, b) => a - b);
  console.log('\nresults (warm; 500 settlements × 9 types per request; response cache OFF unless said)');
  for (const server of servers) {
    const rows = [...server.methods].map(([m, c]) => `${m} ${c.toLocaleString('en')}`).join(', ');
    console.log(
      `  GraphQL ${server.label.padEnd(10)}   p50 ${ms(percentile(server.times, 0.5))}  p99 ${ms(percentile(server.times, 0.99))}  max ${ms(server.times.at(-1)!)}  (${RUNS} requests over HTTP, each timed until its last byte arrived; rows ${rows})`,
    );
  }
  if (servers.length === 2) {
    console.log(
      `  NETWORK / ESTIMATED p50: ${(percentile(servers[0]!.times, 0.5) / percentile(servers[1]!.times, 0.5)).toFixed(2)}× (target ≤ 1: no slower)`,
    );
  }
  console.log(
    `  GraphQL, response cache ON, one request repeated (hits): p50 ${ms(percentile(hits, 0.5))}  (${hits.length} requests)`,
  );
  console.log(
    `  SQL-first baseline   p50 ${ms(percentile(baseline, 0.5))}  p99 ${ms(percentile(baseline, 0.99))}  (${baseline.length} LATERAL KNN queries, no HTTP)`,
  );
  console.log(
    `  ratio (baseline p50 / API p50): ${(percentile(baseline, 0.5) / percentile(api, 0.5)).toFixed(1)}×`,
  );
  console.log(`  ${load()}`);
  const mem = process.memoryUsage();
  console.log(
    `  memory: heap ${(mem.heapUsed / 2 ** 20).toFixed(0)} MB, RSS ${(mem.rss / 2 ** 20).toFixed(0)} MB`,
  );
  for (const server of servers) await server.running.close();
  await estimatedApp?.close();
  await app.close();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
