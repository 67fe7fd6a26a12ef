/**
 * Benchmark of the "closing the gaps" core on a seeded country-scale case.
 *   npx tsx bench/gaps.bench.ts           600k origins, 20k points, 9 types (bench/country-case.ts)
 *   npx tsx bench/gaps.bench.ts --small   60k origins, 2k points (a quick run)
 * Measures (targets in brackets) and prints ratios against recomputing from scratch in the same process:
 * 1. closure impact for every grocery store of one county-sized region (~30k origins) [≤ 1 s], against
 *    recomputing the region's access table once per closed store (timed on a sample, extrapolated);
 * 2. one scenario (close 5 points, add 2 multi-service points, all 9 types) on the whole case [≤ 100 ms],
 *    against the full recompute of every settlement and area.
 */
import { cpus, loadavg } from 'node:os';
import { AccessEngine, computeAccessTable } from '../src/engine/access.js';
import { closureImpact } from '../src/engine/closure.js';
import { isDesert } from '../src/engine/indicators.js';
import {
  evaluateScenario,
  prepareScenarioBaseline,
  type ScenarioInput,
} from '../src/engine/scenario/index.js';
import { DEFAULT_TRAVEL_MODEL } from '../src/engine/types.js';
import { catalogue, codes, generateCountrySettlements, seededRandom } from './country-case.js';

const small = process.argv.includes('--small');
const ORIGINS = small ? 60_000 : 600_000;
const POINTS = small ? 2_000 : 20_000;

function time<T>(label: string, run: () => T): { value: T; ms: number } {
  const start = performance.now();
  const value = run();
  const ms = performance.now() - start;
  console.log(`  ${label.padEnd(58)} ${ms.toFixed(1).padStart(9)} ms`);
  return { value, ms };
}

/**
 * Median wall and CPU time of `runs` runs (after one warm-up unless warmUp is false), printed. CPU time
 * (user + system of this process) is what the code costs; wall time also counts other processes on a busy
 * machine, so both are shown and targets are checked on CPU time.
 */
function median(label: string, runs: number, run: () => unknown, warmUp = true): number {
  if (warmUp) run();
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let r = 0; r < runs; r++) {
    const cpuStart = process.cpuUsage();
    const start = performance.now();
    run();
    wall.push(performance.now() - start);
    const used = process.cpuUsage(cpuStart);
    cpu.push((used.user + used.system) / 1000);
  }
  const mid = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const [wallMs, cpuMs] = [mid(wall), mid(cpu)];
  const note = runs > 1 ? `median of ${runs}` : 'one run';
  console.log(
    `  ${label.padEnd(58)} ${wallMs.toFixed(1).padStart(9)} ms wall ${cpuMs.toFixed(1).padStart(9)} ms CPU (${note})`,
  );
  return cpuMs;
}

console.log(
  `gaps bench: ${ORIGINS.toLocaleString('en')} origins, ${POINTS.toLocaleString('en')} points, ${codes.length} types ` +
    `(load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} CPUs)`,
);
const { value: country } = time('generate the seeded case', () =>
  generateCountrySettlements(seededRandom(2020), { origins: ORIGINS, points: POINTS }),
);
const { settlements, points } = country;
const { value: engine } = time(
  'build the access engine (9 point indexes)',
  () => new AccessEngine(points, catalogue),
);

console.log('\n1. closure impact, GROCERY, one county-sized region');
// County C7 (the grid column 16.4–17.1°E) holds 62k of the 600k origins (6k with --small).
const region = settlements.filter((s) => s.countyCode === 'C7');
const targetRegion = small ? region : region.slice(0, 30_000);
console.log(`  region: ${targetRegion.length.toLocaleString('en')} origins`);
let impactCount = 0;
const closureMs = median('k = 2 table + closureImpact (the whole analysis)', 5, () => {
  const table = computeAccessTable(targetRegion, engine, 'GROCERY', { k: 2 });
  impactCount = closureImpact(targetRegion, table, table.thresholdMinutes).length;
});
console.log(`  stores that are someone's nearest within reach: ${impactCount}`);
const baseTable = computeAccessTable(targetRegion, engine, 'GROCERY');
const grocery = engine.index('GROCERY').points;
const impacted = closureImpact(
  targetRegion,
  computeAccessTable(targetRegion, engine, 'GROCERY', { k: 2 }),
  10,
);
const sample = impacted.slice(0, Math.min(10, impacted.length));
const perPoint =
  median(`recompute without one store (sample of ${sample.length})`, 1, () => {
    for (const row of sample) {
      const id = grocery[row.pointIndex]!.id;
      const without = new AccessEngine(
        points.filter((p) => p.id !== id),
        catalogue.filter((t) => t.code === 'GROCERY'),
      );
      const after = computeAccessTable(targetRegion, without, 'GROCERY');
      let lost = 0;
      for (let i = 0; i < targetRegion.length; i++) if (!isDesert(baseTable, i) && isDesert(after, i)) lost++;
      if (lost !== row.settlementIndices.length) throw new Error(`closure impact disagrees for ${id}`);
    }
  }) / Math.max(1, sample.length);
const recomputeAll = perPoint * impacted.length;
console.log(
  `  recompute per closed store, extrapolated to ${impacted.length}: ${(recomputeAll / 1000).toFixed(1)} s → ` +
    `closure impact is ${(recomputeAll / closureMs).toFixed(0)}× faster (target ≤ 1000 ms CPU: ${closureMs <= 1000 ? 'met' : 'MISSED'})`,
);

console.log('\n2. one scenario on the whole case, all 9 types');
const random = seededRandom(99);
const scenarioInput = (): ScenarioInput => {
  const closePointIds = Array.from({ length: 5 }, () => points[Math.floor(random() * points.length)]!.id);
  const addPoints = [0, 1].map((k) => ({
    id: `bench-new-${k}`,
    name: `New service point ${k}`,
    lon: 14 + random() * 4,
    lat: 59 + random() * 4,
    serviceTypes: ['GROCERY', 'POST', 'PHARMACY', 'PAYMENT'],
    municipalityCode: null,
  }));
  return {
    settlements,
    points,
    catalogue,
    types: codes,
    model: DEFAULT_TRAVEL_MODEL,
    changes: { closePointIds: [...new Set(closePointIds)], addPoints, thresholdMinutes: {} },
    groupBy: 'MUNICIPALITY',
  };
};
const warmUp = scenarioInput();
const input = scenarioInput();
const { value: baseline } = time('prepare the baseline (once per data version)', () =>
  prepareScenarioBaseline(input),
);
evaluateScenario(warmUp, { baseline }); // compiles the code paths; touches other areas than `input`
const coldMs = median('evaluateScenario, area cache empty (first time)', 5, () => {
  baseline.indicatorCache.clear();
  evaluateScenario(input, { baseline });
});
const incrementalMs = median('evaluateScenario, again', 5, () => evaluateScenario(input, { baseline }));
const result = evaluateScenario(input, { baseline });
const recomputed = result.types.reduce((n, t) => n + t.recomputedSettlements, 0);
const changed = result.types.reduce((n, t) => n + t.accessChanged.length, 0);
const areas = result.types.reduce((n, t) => n + t.indicatorDeltas.length, 0);
console.log(
  `  recomputed ${recomputed.toLocaleString('en')} settlement×type rows; ${changed} changed access; ${areas} area×type deltas`,
);
const fullMs = median(
  'evaluateScenario, full recompute',
  1,
  () => evaluateScenario(input, { baseline, strategy: 'FULL' }),
  false,
);
console.log(
  `  incremental is ${(fullMs / coldMs).toFixed(0)}× (first time) and ${(fullMs / incrementalMs).toFixed(0)}× (again) ` +
    `faster than the full recompute (target ≤ 100 ms CPU: ${Math.max(coldMs, incrementalMs) <= 100 ? 'met' : 'MISSED'})`,
);
