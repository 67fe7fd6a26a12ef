/**
 * bench:cluster — N `serviceatlas serve` replicas behind a round-robin proxy (no affinity) over a
 * PostgreSQL primary and a streaming hot standby built for the run (initdb + pg_basebackup in a temporary
 * directory, as test/postgres/cluster.test.ts does; as root the servers run as `postgres`).
 *
 * For each read path — `primary` (DATABASE_URL only) and `standby` (DATABASE_READ_URL too) — and for 1, 2
 * and 3 replicas: autocannon through the proxy on a read that touches the database and the snapshot (a page
 * with its count, and indicators; the GraphQL response cache off, so every request does the work),
 * printing req/s, p50/p99 latency, errors and each replica's RSS; then the time from a write through one
 * replica to its visibility on every replica (plain reads, no minVersion), five times.
 *
 *   npm run bench:cluster                         5 s per run, 2,000 generated settlements
 *   CLUSTER_SECONDS=10 CLUSTER_SETTLEMENTS=20000 npm run bench:cluster
 *
 * On a 2-core machine the replicas, the proxy, autocannon and both PostgreSQL servers share two cores:
 * the figures show what a replica costs (RSS, latency under a shared CPU), NOT how throughput scales with
 * replicas — that needs a core (or a machine) per replica. The load average is printed beside each run.
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import autocannon from 'autocannon';
import { openApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createDb } from '../src/db/client.js';
import { createPgCluster, freePort } from '../test/helpers/pg-cluster.js';
import { startRoundRobinProxy } from '../test/helpers/round-robin-proxy.js';
import { aServicePoint, aSettlement, seed } from '../test/helpers/seed.js';
import type { Spawned } from '../test/helpers/spawn.js';
import { spawnServiceatlas } from '../test/helpers/spawn.js';

const SECONDS = Number(process.env.CLUSTER_SECONDS ?? 5);
const SETTLEMENTS = Number(process.env.CLUSTER_SETTLEMENTS ?? 2_000);
const CONNECTIONS = Number(process.env.CLUSTER_CONNECTIONS ?? 16);
const TOKEN = 'bench-writer';
const READ = JSON.stringify({
  query: `{ servicePoints(first: 20) { totalCount nodes { name } }
    accessIndicators(serviceTypes: [GROCERY], groupBy: COUNTY) { population populationBeyondThreshold } }`,
});

const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');

interface Replica {
  url: string;
  process: Spawned;
}

async function startReplica(env: NodeJS.ProcessEnv): Promise<Replica> {
  const port = await freePort();
  const child = spawnServiceatlas(env, ['serve', '--port', String(port)]);
  await child.waitFor(/Serviceatlas is ready/);
  return { url: `http://127.0.0.1:${port}`, process: child };
}

const rssMb = (r: Replica): number => {
  const status = readFileSync(`/proc/${r.process.child.pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
};

async function points(url: string): Promise<number> {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ servicePoints(first: 1) { totalCount } }' }),
  });
  return ((await res.json()) as { data: { servicePoints: { totalCount: number } } }).data.servicePoints
    .totalCount;
}

async function write(url: string, i: number): Promise<void> {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify({
      query: `mutation($input: ServicePointInput!) { createServicePoint(input: $input) { errors { code } } }`,
      variables: {
        input: {
          name: `Bench ${i}`,
          serviceTypes: ['GROCERY'],
          location: { lon: 15 + i / 100, lat: 60 },
          municipalityCode: '2085',
        },
      },
    }),
  });
  if (!res.ok) throw new Error(`write failed: ${res.status}`);
}

/** Milliseconds from a write through replica 0 until every replica's plain read shows it. */
async function visibility(replicas: Replica[], i: number): Promise<number> {
  const before = await points(replicas[0]!.url);
  const started = performance.now();
  await write(replicas[0]!.url, i);
  const seen = await Promise.all(
    replicas.map(async (r) => {
      while ((await points(r.url)) <= before) {
        if (performance.now() - started > 30_000) throw new Error('write never visible');
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      return performance.now() - started;
    }),
  );
  return Math.max(...seen);
}

async function main(): Promise<void> {
  console.log(`bench:cluster — ${SECONDS} s per run, ${CONNECTIONS} connections, load ${load()}`);
  const cluster = await createPgCluster('sa');
  const replicas: Replica[] = [];
  // Interrupted (Ctrl-C): the servers and the directory go too.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const)
    process.once(signal, () => {
      for (const r of replicas) r.process.child.kill('SIGKILL');
      void cluster.destroy().finally(() => process.exit(130));
    });
  try {
    const primary = cluster.primary.url('sa');
    const standby = cluster.standby.url('sa');
    const handle = await createDb({ databaseUrl: primary });
    const config = loadConfig({ DATABASE_URL: primary, SERVICEATLAS_DEMO: 'off', LOG_LEVEL: 'silent' });
    const app = await openApp(config, { handle });
    const rand = (a: number, b: number) => a + Math.random() * (b - a);
    await seed(app.db, {
      settlements: Array.from({ length: SETTLEMENTS }, () =>
        aSettlement({ lon: rand(12, 20), lat: rand(56, 66), population: Math.round(rand(50, 5000)) }),
      ),
      servicePoints: Array.from({ length: Math.round(SETTLEMENTS / 10) }, () =>
        aServicePoint({ lon: rand(12, 20), lat: rand(56, 66), serviceTypes: ['GROCERY'] }),
      ),
    });
    await app.close();
    console.log(
      `cluster: primary :${cluster.primary.port}, standby :${cluster.standby.port}, ${SETTLEMENTS} settlements`,
    );

    for (const path of ['primary', 'standby'] as const) {
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        DATABASE_URL: primary,
        ...(path === 'standby' ? { DATABASE_READ_URL: standby } : {}),
        SERVICEATLAS_DEMO: 'off',
        SERVICEATLAS_WRITE_TOKENS: TOKEN,
        SERVICEATLAS_RATE_LIMIT_IP: '0',
        SERVICEATLAS_RATE_LIMIT_KEY: '0',
        SERVICEATLAS_RESPONSE_CACHE_MB: '0',
        SERVICEATLAS_ANALYSIS_WORKERS: '0',
        // The indicators are priced as heavy work: with the default queue (8) one replica sheds most of
        // 16 connections with 429 SERVER_BUSY, by design; here the queue holds them all, to measure.
        SERVICEATLAS_HEAVY_QUEUE: '64',
        LOG_LEVEL: 'warn',
      };
      await Promise.all([0, 1, 2].map(async () => replicas.push(await startReplica(env))));
      for (const n of [1, 2, 3]) {
        const proxy = await startRoundRobinProxy(
          replicas.slice(0, n).map((r) => r.url),
          await freePort(),
        );
        try {
          // Warm: each replica loads its snapshot once.
          for (let i = 0; i < n; i++) await points(proxy.url);
          const result = await autocannon({
            url: `${proxy.url}/graphql`,
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: READ,
            connections: CONNECTIONS,
            duration: SECONDS,
          });
          const errors = result.errors + result.timeouts + result.non2xx;
          const rss = replicas
            .slice(0, n)
            .map((r) => rssMb(r).toFixed(0))
            .join('/');
          console.log(
            `${path.padEnd(7)} reads, ${n} replica(s): ${Math.round(result.requests.average)} req/s, ` +
              `p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, errors ${errors}, ` +
              `RSS ${rss} MB · load ${load()}`,
          );
          if (errors > 0)
            console.log(
              `  errors: ${result.errors} socket, ${result.timeouts} timeouts, non-2xx by status ` +
                JSON.stringify(
                  Object.fromEntries(
                    Object.entries(result.statusCodeStats ?? {}).filter(([code]) => code !== '200'),
                  ),
                ),
            );
        } finally {
          await proxy.close();
        }
      }
      const times: number[] = [];
      for (let i = 0; i < 5; i++)
        times.push(await visibility(replicas, times.length + (path === 'standby' ? 10 : 0)));
      console.log(
        `${path.padEnd(7)} reads: write → visible on all 3 replicas: ${times.map((t) => t.toFixed(0)).join(', ')} ms · load ${load()}`,
      );
      for (const r of replicas.splice(0)) {
        r.process.child.kill('SIGTERM');
        await r.process.exited;
      }
    }
    console.log(
      '2 cores shared by 3 replicas, a proxy, autocannon and 2 PostgreSQL servers: these figures show',
    );
    console.log(
      'the per-replica cost (memory, latency on a shared CPU), not how throughput scales with replicas.',
    );
  } finally {
    for (const r of replicas) r.process.child.kill('SIGKILL');
    await cluster.destroy();
  }
}

await main();
