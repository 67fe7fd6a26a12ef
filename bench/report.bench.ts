/**
 * The municipal service plan of Ludvika (2085) on the demo data (820 GeoNames settlements, ~9,500 generated
 * points), embedded PGlite: the first report after a start (builds the snapshot's access tables, the dated
 * and open-at snapshots) against warm ones, and the warm report against the baseline of one GraphQL-free
 * accessIndicators computation over the same municipality (the cheapest question the plan asks).
 *
 *   npm run bench:report
 */
import { openApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createDb } from '../src/db/client.js';
import { indicatorsAmong } from '../src/modules/access/access.service.js';
import { settlementsInArea } from '../src/modules/access/area-settlements.js';
import { reportCsvZip } from '../src/modules/report/report.csv.js';
import { renderReportHtml } from '../src/modules/report/report.html.js';
import { municipalityReport } from '../src/modules/report/report.service.js';
import { Services } from '../src/services.js';

const RUNS = 10;
const ms = (v: number) => `${v.toFixed(1)} ms`;

async function main(): Promise<void> {
  const config = loadConfig({ LOG_LEVEL: 'silent' });
  const handle = await createDb({});
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
  await app.close();
}

await main();
