/**
 * The municipal service plan of Ludvika (2085) on the demo data (2,017 SCB tätorter, 12,585 service points,
 * 11,392 of them generated), embedded PGlite in its worker thread as the server runs it: the first report after a start (builds the snapshot's access tables, the dated
 * and open-at snapshots) against warm ones, and the warm report against the baseline of one GraphQL-free
 * accessIndicators computation over the same municipality (the cheapest question the plan asks).
 *
 * With `--settlements N` it then imports N GENERATED settlements (random places and populations, a fixed
 * seed; not observed data) into Ludvika and times the plan of that large municipality: in-process (the
 * analysis pool off), and on a one-thread pool with a 5 ms ticker on the main thread, whose longest gap is
 * how long the report held the event loop (the figure a server's other clients feel).
 *
 *   npm run bench:report [-- --settlements 5000]
 */
import { writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { openApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createDb } from '../src/db/client.js';
import { indicatorsAmong } from '../src/modules/access/access.service.js';
import { seededRandom } from '../src/demo/random.js';
import { importFile } from '../src/modules/imports/import.service.js';
import { settlementsInArea } from '../src/modules/access/area-settlements.js';
import { reportCsvZip } from '../src/modules/report/report.csv.js';
import { renderReportHtml } from '../src/modules/report/report.html.js';
import { municipalityReport } from '../src/modules/report/report.service.js';
import { Services } from '../src/services.js';
import { analysisPoolFor } from '../src/workers/analysis-pool.js';

const RUNS = 10;
const at = process.argv.indexOf('--settlements');
const LARGE = at > 0 ? Number(process.argv[at + 1]) : 0;
const load = () =>
  loadavg()
    .map((v) => v.toFixed(1))
    .join(' ');
const ms = (v: number) => `${v.toFixed(1)} ms`;

async function main(): Promise<void> {
  const config = loadConfig({ LOG_LEVEL: 'silent' });
  // The database in its worker thread, as the server runs it (its SQL then holds no event loop here either).
  const handle = await createDb({ pgliteWorker: true });
  const app = await openApp(config, { demo: true, handle, progress: (line) => console.log(line) });
  const services = new Services(app.db, config);

  let t = performance.now();
  const first = await municipalityReport(services, '2085');
  renderReportHtml(first);
  const cold = performance.now() - t;

  const warm: number[] = [];
  let bytes = 0;
  for (let i = 0; i < RUNS; i++) {
    t = performance.now();
    const report = await municipalityReport(services, '2085');
    bytes = renderReportHtml(report).length;
    warm.push(performance.now() - t);
  }
  t = performance.now();
  const zip = reportCsvZip(await municipalityReport(services, '2085'), 'sv');
  const csv = performance.now() - t;

  const ctx = services.deps();
  const baseline: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    t = performance.now();
    const { snapshot, indices } = await settlementsInArea(ctx, { municipalityCode: '2085' });
    indicatorsAmong(snapshot, indices, 'GROCERY', 'MUNICIPALITY', config.travelModel);
    baseline.push(performance.now() - t);
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  console.log(`first report (cold): ${ms(cold)}`);
  console.log(`warm report, median of ${RUNS}: ${ms(median(warm))} (${(bytes / 1024).toFixed(0)} KiB HTML)`);
  console.log(`warm CSV zip: ${ms(csv)} (${(zip.byteLength / 1024).toFixed(0)} KiB)`);
  console.log(`baseline (one accessIndicators over 2085), median: ${ms(median(baseline))}`);
  console.log(
    `ratios: warm/cold ${(median(warm) / cold).toFixed(3)}, warm/baseline ${(median(warm) / median(baseline)).toFixed(1)}`,
  );
  if (LARGE > 0) await largeMunicipality(app.db, config);
  await app.close();
}

/** The plan of Ludvika with LARGE generated settlements more: in-process, and on the pool (event-loop hold). */
async function largeMunicipality(
  db: Parameters<typeof importFile>[0],
  config: ReturnType<typeof loadConfig>,
) {
  const random = seededRandom(1);
  const rows = ['name,population,lon,lat,municipalityCode,externalId'];
  for (let i = 0; i < LARGE; i++) {
    const lon = (14.9 + random() * 0.6).toFixed(5);
    const lat = (59.95 + random() * 0.4).toFixed(5);
    rows.push(`Genererad ${i},${Math.floor(random() * 300)},${lon},${lat},2085,generated-${i}`);
  }
  const file = join(tmpdir(), `serviceatlas-bench-${process.pid}.csv`);
  writeFileSync(file, `${rows.join('\n')}\n`);
  await importFile(db, { kind: 'settlements', file, crs: 'EPSG:4326' });
  const inProcess = new Services(db, { ...config, limits: { ...config.limits, analysisWorkers: 0 } });
  const pooled = new Services(db, { ...config, limits: { ...config.limits, analysisWorkers: 1 } });
  await municipalityReport(inProcess, '2085'); // the new snapshot and its tables, not timed
  const times: number[] = [];
  let settlements = 0;
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    settlements = (await municipalityReport(inProcess, '2085')).settlements.length;
    times.push(performance.now() - t);
  }
  console.log(
    `plan of 2085 with ${LARGE} generated settlements more (${settlements} in all), in-process: ` +
      `${times.map(ms).join(', ')} (load average ${load()})`,
  );
  await municipalityReport(pooled, '2085'); // the thread's snapshot and tables, not timed
  for (let i = 0; i < 2; i++) {
    let last = performance.now();
    let held = 0;
    const ticker = setInterval(() => {
      const now = performance.now();
      held = Math.max(held, now - last);
      last = now;
    }, 5);
    const t = performance.now();
    await municipalityReport(pooled, '2085');
    const took = performance.now() - t;
    clearInterval(ticker);
    held = Math.max(held, performance.now() - last);
    console.log(
      `  on a one-thread pool: ${ms(took)}, the event loop held at most ${ms(held)} (load average ${load()})`,
    );
  }
  await analysisPoolFor(1).close();
}

await main();
