/**
 * CPU time per uncached 500 × 9 access page (the query of bench/graphql.bench.ts), independent of the
 * machine's load: the server runs in this process, the response cache off, and process.cpuUsage() is read
 * around N requests (default 200) after a warm-up. Run with `node --cpu-prof` (via tsx) to see where it goes.
 *
 *   npx tsx bench/graphql-cpu.ts [--origins 100000] [--requests 200]
 */
import { loadavg } from 'node:os';
import { openApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createDb } from '../src/db/client.js';
import { startServer } from '../src/server.js';
import { generateCountry, seededRandom } from './country-case.js';
import { storeCountryCase } from './country-db.js';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const ORIGINS = arg('--origins', 100_000);
const REQUESTS = arg('--requests', 200);
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

async function main(): Promise<void> {
  const { origins, points } = generateCountry(seededRandom(2020), { origins: ORIGINS, points: 20_000 });
  const config = {
    ...loadConfig({
      SERVICEATLAS_DEMO: 'off',
      LOG_LEVEL: 'silent',
      SERVICEATLAS_RESPONSE_CACHE_MB: '0',
      // 0: every query on graphql-js (the A/B against the compiled queries of the default).
      SERVICEATLAS_GRAPHQL_JIT_AFTER: process.env.SERVICEATLAS_GRAPHQL_JIT_AFTER,
      SERVICEATLAS_REQUEST_TIMEOUT_MS: process.env.SERVICEATLAS_REQUEST_TIMEOUT_MS ?? '120000',
    }),
    maxComplexity: 10_000_000,
  };
  const handle = await createDb({});
  const app = await openApp(config, { demo: false, handle });
  await storeCountryCase(app.db, { origins, points });
  const running = await startServer({ app, config: app.config, port: 0 });
  const query = `query($after: String) { settlements(first: 500, after: $after) { nodes { id access {
    serviceType travelMinutes straightLineKm withinThreshold method servicePoint { id name } } } } }`;
  const cursor = (id: number) => Buffer.from(`k:${id}`).toString('base64url');
  const random = seededRandom(7);
  const post = async () => {
    const res = await fetch(`${running.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query, variables: { after: cursor(Math.floor(random() * (ORIGINS - 600))) } }),
    });
    const text = await res.text();
    if (res.status !== 200 || text.includes('"errors"')) throw new Error(text.slice(0, 500));
    return text;
  };
  for (let i = 0; i < 20; i++) await post();
  const wall: number[] = [];
  const c0 = process.cpuUsage();
  for (let i = 0; i < REQUESTS; i++) {
    const s = performance.now();
    await post();
    wall.push(performance.now() - s);
  }
  const cpu = process.cpuUsage(c0);
  wall.sort((a, b) => a - b);
  console.log(
    `${ORIGINS.toLocaleString('en')} settlements, ${REQUESTS} pages: CPU ${((cpu.user + cpu.system) / 1000 / REQUESTS).toFixed(1)} ms/page ` +
      `(user ${(cpu.user / 1000 / REQUESTS).toFixed(1)}, system ${(cpu.system / 1000 / REQUESTS).toFixed(1)}; server and client in one process); ` +
      `wall p50 ${wall[Math.floor(REQUESTS / 2)]!.toFixed(1)} ms p99 ${wall[Math.floor(REQUESTS * 0.99)]!.toFixed(1)} ms; load ${load()}`,
  );
  await running.close();
  await app.close();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
