/**
 * Load (autocannon) against a local server on the demo data: simple reads, the 500-settlement × 9-type
 * access page, vector tiles, and light reads while heavy analyses run — each with a write (saveScenario)
 * every second in the background. Prints req/s, p50/p99 latency, errors
 * (socket errors, non-2xx, GraphQL `errors` in a 200) and the server's memory (RSS, heap) at start and
 * end of every scenario. The server runs in a child process, so the load generator does not share its
 * event loop.
 *
 *   npm run bench:load                          embedded PGlite (in memory), 60 s per scenario
 *   DATABASE_URL=postgres://… npm run bench:load  a PostgreSQL + PostGIS server (a fresh database on it)
 *   LOAD_SECONDS=10 npm run bench:load          shorter (a quick run on a shared machine)
 *   SERVICEATLAS_RESPONSE_CACHE_MB=0 npm run bench:load   without the GraphQL response cache
 *
 * Identical reads are answered from the response cache after the first (the simple reads, the access
 * page, the light reads); the heavy analyses are each different, so they always run.
 *
 * Targets (issue 10, 2-core machine): ≥ 1,000 req/s simple reads, p99 ≤ 50 ms warm access page,
 * light-read p99 ≤ 100 ms while heavy analyses run, 0 errors, flat memory.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

const SECONDS = Number(process.env.LOAD_SECONDS ?? 60);
const TOKEN = 'bench-writer';

interface Memory {
  rssMb: number;
  heapMb: number;
}

// ---------- the server (child process) ----------

async function serve(): Promise<void> {
  const { loadConfig } = await import('../src/config.js');
  const { startServer } = await import('../src/server.js');
  const base = loadConfig({
    ...process.env,
    SERVICEATLAS_DEMO: 'on',
    LOG_LEVEL: 'silent',
    SERVICEATLAS_WRITE_TOKENS: TOKEN,
    SERVICEATLAS_RATE_LIMIT_IP: '0',
    SERVICEATLAS_RATE_LIMIT_KEY: '0',
  });
  const { createDb } = await import('../src/db/client.js');
  const { openApp } = await import('../src/app.js');
  // PGlite in memory (no data directory, no lock), or the given server database.
  const handle = await createDb({ databaseUrl: base.databaseUrl });
  const app = await openApp(base, { demo: true, handle });
  const running = await startServer({ app, config: base, port: 0 });
  process.on('message', (m: unknown) => {
    if (m === 'memory') {
      global.gc?.();
      const u = process.memoryUsage();
      process.send?.({ memory: { rssMb: u.rss / 1e6, heapMb: u.heapUsed / 1e6 } });
    } else if (m === 'stop') {
      void running.close().then(() => app.close().then(() => process.exit(0)));
    }
  });
  process.send?.({ url: running.url });
}

// ---------- the load generator ----------

function startChild(env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; url: string }> {
  const child = fork(fileURLToPath(import.meta.url), ['--serve'], {
    // As `serviceatlas serve` runs it (bin/serviceatlas.mjs).
    env: { NODE_ENV: 'production', ...env },
    execArgv: ['--import', 'tsx', '--expose-gc'],
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
    child.on('message', (m: { url?: string }) => {
      if (m.url) resolve({ child, url: m.url });
    });
  });
}

function memoryOf(child: ChildProcess): Promise<Memory> {
  return new Promise((resolve) => {
    const on = (m: { memory?: Memory }) => {
      if (!m.memory) return;
      child.off('message', on);
      resolve(m.memory);
    };
    child.on('message', on);
    child.send('memory');
  });
}

async function gql(url: string, query: string, variables?: unknown, token?: string): Promise<unknown> {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: unknown; errors?: unknown };
  if (body.errors) throw new Error(`${query.slice(0, 60)}: ${JSON.stringify(body.errors).slice(0, 300)}`);
  return body.data;
}

/**
 * A write every second (saved scenarios: each moves the `writes` version, so the response cache misses
 * once after it; the snapshot and its tables stay, a saved scenario changes none of their inputs).
 */
function backgroundWriter(url: string): { stop(): Promise<{ writes: number; failures: number }> } {
  let writes = 0;
  let failures = 0;
  const timer = setInterval(() => {
    gql(
      url,
      'mutation($n: String!) { saveScenario(name: $n, changes: { closeServicePointIds: [] }) { id } }',
      { n: `bench ${writes}` },
      TOKEN,
    ).then(
      () => writes++,
      () => failures++,
    );
  }, 1000);
  return {
    stop: async () => {
      clearInterval(timer);
      return { writes, failures };
    },
  };
}

const graphqlRequest = (query: string, variables?: unknown) => ({
  method: 'POST' as const,
  path: '/graphql',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ query, variables }),
});

const noGraphQLErrors = (body: string) => !body.startsWith('{"errors"') && !body.includes('"errors":[');

interface Figures {
  reqPerSec: number;
  p50: number;
  p99: number;
  errors: number;
  requests: number;
}

function run(url: string, options: Partial<autocannon.Options>, verify = true): Promise<Figures> {
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url,
        duration: SECONDS,
        connections: 10,
        ...(verify ? { verifyBody: noGraphQLErrors } : {}),
        ...options,
      } as autocannon.Options,
      (error, r) => {
        if (error) return reject(error);
        resolve({
          reqPerSec: r.requests.average,
          p50: r.latency.p50,
          p99: r.latency.p99,
          errors: r.errors + r.timeouts + r.non2xx + (r.mismatches ?? 0),
          requests: r.requests.total,
        });
      },
    );
  });
}

function tilePaths(layer: string, z: number): string[] {
  const paths: string[] = [];
  const n = 2 ** z;
  const tx = (lon: number) => Math.floor(((lon + 180) / 360) * n);
  const ty = (lat: number) => {
    const r = (lat * Math.PI) / 180;
    return Math.floor(((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * n);
  };
  for (let x = tx(11); x <= tx(24); x++)
    for (let y = ty(69); y <= ty(55); y++) paths.push(`/tiles/${layer}/${z}/${x}/${y}.mvt`);
  return paths;
}

const fmt = (f: Figures) =>
  `${f.reqPerSec.toFixed(0).padStart(6)} req/s  p50 ${String(f.p50).padStart(4)} ms  p99 ${String(f.p99).padStart(5)} ms  errors ${f.errors} (of ${f.requests})`;
const mem = (m: Memory) => `RSS ${m.rssMb.toFixed(0)} MB, heap ${m.heapMb.toFixed(0)} MB`;

async function main(): Promise<void> {
  const serverUrl = process.env.DATABASE_URL;
  let env: NodeJS.ProcessEnv = { ...process.env };
  let dropDatabase: (() => Promise<void>) | null = null;
  if (serverUrl) {
    // A fresh database on the server, dropped at the end.
    const { createDb } = await import('../src/db/client.js');
    const { sql } = await import('kysely');
    const name = `serviceatlas_load_${process.pid}`;
    const admin = await createDb({ databaseUrl: serverUrl });
    await sql.raw(`CREATE DATABASE ${name}`).execute(admin.db);
    const u = new URL(serverUrl);
    u.pathname = `/${name}`;
    const init = await createDb({ databaseUrl: u.toString() });
    await sql`CREATE EXTENSION IF NOT EXISTS postgis`.execute(init.db);
    await init.close();
    env = { ...env, DATABASE_URL: u.toString() };
    dropDatabase = async () => {
      await sql.raw(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).execute(admin.db);
      await admin.close();
    };
  } else {
    delete env.DATABASE_URL;
  }
  const backend = serverUrl ? 'PostgreSQL' : 'PGlite (in memory)';
  console.log(`load bench: ${backend}, ${SECONDS} s per scenario, demo data, a write every second`);
  const started = performance.now();
  const { child, url } = await startChild(env);
  console.log(`server ready in ${((performance.now() - started) / 1000).toFixed(1)} s at ${url}`);
  const initial = await memoryOf(child);
  console.log(`memory at start: ${mem(initial)}`);

  const page = graphqlRequest(`{ settlements(first: 500) { nodes { id access {
    serviceType travelMinutes straightLineKm withinThreshold servicePoint { id name } } } } }`);
  const simple = graphqlRequest('{ settlements(first: 10) { nodes { id name population } } }');
  const light = graphqlRequest('{ serviceTypes { code thresholdMinutes } }');
  const ids = (
    (await gql(url, '{ servicePoints(first: 100, filter: { serviceType: GROCERY }) { nodes { id } } }')) as {
      servicePoints: { nodes: { id: string }[] };
    }
  ).servicePoints.nodes.map((n) => n.id);
  const heavyQuery = `query($ids: [ID!]) { evaluateScenario(changes: { closeServicePointIds: $ids }) { populationLosingAccess byServiceType { serviceType losingAccess { settlement { id } } } } }`;
  const heavy = graphqlRequest(heavyQuery, { ids: ids.slice(0, 50) });
  // Every heavy request closes a different 50 of the 100 points, so the response cache cannot answer it:
  // the analyses really run while the light reads are measured.
  const heavyDistinct: autocannon.Request = {
    ...heavy,
    setupRequest: (request) => {
      const sample = [...ids].sort(() => Math.random() - 0.5).slice(0, 50);
      return { ...request, body: JSON.stringify({ query: heavyQuery, variables: { ids: sample } }) };
    },
  };
  // Warm: snapshot, access tables, worker pool (after the last write of the warm-up).
  for (const r of [page, simple, heavy, page]) await fetch(`${url}/graphql`, r);

  const results: Record<string, Figures> = {};
  const scenario = async (go: () => Promise<void>, writes = true) => {
    const before = await memoryOf(child);
    const writer = writes ? backgroundWriter(url) : null;
    await go();
    const w = await writer?.stop();
    const after = await memoryOf(child);
    const written = w ? `background writes ${w.writes}, failed ${w.failures}` : 'no writes';
    console.log(`  memory ${mem(before)} → ${mem(after)}; ${written}`);
  };

  // Baseline in the same run: the HTTP floor of this server on this machine right now (no GraphQL).
  await scenario(async () => {
    results.baseline = await run(url, { requests: [{ method: 'GET', path: '/healthz' }] }, false);
    console.log(`baseline      GET /healthz                    ${fmt(results.baseline)}`);
  }, false);
  await scenario(async () => {
    results.simple = await run(url, { requests: [simple] });
    console.log(`simple reads  settlements(first: 10)          ${fmt(results.simple)}`);
  });
  // The warm page: no writes, so the snapshot and its access tables stay cached.
  await scenario(async () => {
    results.page = await run(url, { requests: [page], connections: 4 });
    console.log(`access page   500 × 9 types, warm (no writes)  ${fmt(results.page)}`);
  }, false);
  // The same with a write every second: each write is a new data version (snapshot and tables rebuilt).
  await scenario(async () => {
    results.pageWrites = await run(url, { requests: [page], connections: 4 });
    console.log(`access page   500 × 9 types, writes 1/s       ${fmt(results.pageWrites)}`);
  });
  const tiles = tilePaths('settlements', 7).concat(tilePaths('service-points', 7));
  await scenario(async () => {
    results.tiles = await run(url, { requests: tiles.map((path) => ({ method: 'GET', path })) }, false);
    console.log(
      `tiles         ${String(tiles.length).padStart(3)} tiles at z7 (2 layers)        ${fmt(results.tiles)}`,
    );
  });
  await scenario(async () => {
    const [h, l] = await Promise.all([
      run(url, { requests: [heavyDistinct], connections: 2 }),
      run(url, { requests: [light], connections: 5 }),
    ]);
    results.heavy = h;
    results.lightUnderHeavy = l;
    console.log(`heavy         evaluateScenario, 50 of 100 closed (each different)  ${fmt(h)}`);
    console.log(`light during heavy  serviceTypes              ${fmt(l)}`);
  });
  const final = await memoryOf(child);
  console.log(`memory at end: ${mem(final)} (start ${mem(initial)})`);
  console.log(
    '\ntargets: simple ≥ 1000 req/s; page p99 ≤ 50 ms; light-under-heavy p99 ≤ 100 ms; 0 errors; flat memory',
  );
  console.log(
    `         simple ${results.simple!.reqPerSec.toFixed(0)} req/s (${((100 * results.simple!.reqPerSec) / results.baseline!.reqPerSec).toFixed(0)}% of /healthz's ${results.baseline!.reqPerSec.toFixed(0)}); page p99 ${results.page!.p99} ms; light p99 ${results.lightUnderHeavy!.p99} ms; errors ${Object.values(results).reduce((s, f) => s + f.errors, 0)}; RSS ${initial.rssMb.toFixed(0)} → ${final.rssMb.toFixed(0)} MB`,
  );
  child.removeAllListeners('exit');
  child.send('stop');
  await new Promise((r) => child.once('exit', r));
  await dropDatabase?.();
}

if (process.argv.includes('--serve')) await serve();
else await main();
