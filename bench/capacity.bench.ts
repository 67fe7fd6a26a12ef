/**
 * 2SFCA at national scale: a GENERATED Sweden-shaped 250 m population grid (~600,000 populated squares,
 * seeded, not real data) and 2,000 GENERATED capacitated elderly-care points, T = 30 minutes.
 * - ESTIMATED: engine/capacity.ts over EstimatedTravelCost (one radius search per point);
 * - NETWORK: the same over NetworkTravelCost on a generated road network (a bounded Dijkstra per point);
 * - baseline: the formula evaluated plainly, every point against every square (O(n × m) haversines), on
 *   a sample of points, extrapolated to all of them (stated), and checked against the engine's R_j.
 *
 * `npm run bench:capacity` (add `-- --no-network` to skip the road network, `-- --fine-network` for 0.6 km).
 */
import { AccessEngine } from '../src/engine/access.js';
import { capacityAccess } from '../src/engine/capacity.js';
import { buildRoadNetwork, NetworkTravelCost } from '../src/engine/travel/network.js';
import type { TravelCost } from '../src/engine/travel/travel-cost.js';
import { EstimatedTravelCost } from '../src/engine/travel/estimated.js';
import type { EnginePoint } from '../src/engine/types.js';
import { DEFAULT_TRAVEL_MODEL } from '../src/engine/types.js';
import { catalogue, generateCountry, seededRandom } from './country-case.js';
import { generateNetwork } from './network-case.js';

const T = 30;
const POINTS = 2_000;
const SAMPLE = 20;
const seconds = (t0: number) => (performance.now() - t0) / 1000;
const fmt = (s: number) => (s < 1 ? `${(s * 1000).toFixed(1)} ms` : `${s.toFixed(2)} s`);
const line = (label: string, value: string, note = '') =>
  console.log(`${label.padEnd(52)} ${value.padStart(12)}  ${note}`);

// A 250 m lattice (in degrees, by latitude band) over generated places: each distinct square once.
const random = seededRandom(250);
const { origins: places } = generateCountry(random, { origins: 960_000, points: 0 });
const latStep = 0.25 / 111.2;
const seen = new Map<string, { lon: number; lat: number }>();
for (const p of places) {
  const row = Math.floor(p.lat / latStep);
  const lat = (row + 0.5) * latStep;
  const lonStep = 0.25 / (111.2 * Math.cos((lat * Math.PI) / 180));
  const col = Math.floor(p.lon / lonStep);
  const key = `${row}:${col}`;
  if (!seen.has(key)) seen.set(key, { lon: (col + 0.5) * lonStep, lat });
}
// In the order the snapshot loads a grid (findGridCells: by cell id, i.e. SWEREF 99 TM easting, then
// northing — columns of squares): neighbours are near in memory, as in production.
// Easting ≈ (lon − 15°) · 111.2 km · cos(lat) on SWEREF 99 TM's central meridian.
const easting = (c: { lon: number; lat: number }) =>
  Math.floor(((c.lon - 15) * 111.2 * Math.cos((c.lat * Math.PI) / 180)) / 0.25);
const cells = [...seen.values()].sort((a, b) => easting(a) - easting(b) || a.lat - b.lat);
const demand = Float64Array.from(cells, () => Math.floor(1 + random() * random() * 60));
const pointRandom = seededRandom(80);
const { points: generated } = generateCountry(pointRandom, { origins: 0, points: POINTS });
const points: EnginePoint[] = generated.map((p) => ({ ...p, serviceTypes: ['ELDERLY_CARE'] }));
const engine = new AccessEngine(points, catalogue);
const indexed = engine.index('ELDERLY_CARE').points;
const capacityById = new Map(points.map((p) => [p.id, 20 + Math.floor(pointRandom() * 100)]));
const capacity = Float64Array.from(indexed, (p) => capacityById.get(p.id)!);
console.log(
  `GENERATED case: ${cells.length} populated 250 m squares (Sweden-shaped), ${points.length} capacitated points, T = ${T} min`,
);

function run(name: string, travel: TravelCost) {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const out = capacityAccess({ travel, code: 'ELDERLY_CARE', demand, capacity, thresholdMinutes: T });
  const s = seconds(t0);
  const cpu = process.cpuUsage(c0);
  line(
    `${name}: 2SFCA, ${cells.length} squares × ${POINTS} points`,
    fmt(s),
    `cpu ${fmt((cpu.user + cpu.system) / 1e6)}; ${(out.pairs / 1e6).toFixed(1)} M pairs within T (target ≤ 2 s)`,
  );
  return { s, out };
}

const estimated = new EstimatedTravelCost(cells, engine, DEFAULT_TRAVEL_MODEL);
let t = performance.now();
estimated.originsIndex();
line('ESTIMATED: origin index build (once per data version)', fmt(seconds(t)));
const est = run('ESTIMATED', estimated);

// The plain formula: every sampled point against every square, straight-line minutes by haversine.
const R = 6371.0088;
const rad = Math.PI / 180;
const maxKm = ((T / 60) * DEFAULT_TRAVEL_MODEL.speedKmh) / DEFAULT_TRAVEL_MODEL.circuityFactor;
const lat = Float64Array.from(cells, (c) => c.lat * rad);
const lon = Float64Array.from(cells, (c) => c.lon * rad);
t = performance.now();
let worst = 0;
for (let s = 0; s < SAMPLE; s++) {
  const j = Math.floor((s * indexed.length) / SAMPLE);
  const p = indexed[j]!;
  const plat = p.lat * rad;
  const plon = p.lon * rad;
  let d = 0;
  for (let i = 0; i < cells.length; i++) {
    const a =
      Math.sin((lat[i]! - plat) / 2) ** 2 +
      Math.cos(plat) * Math.cos(lat[i]!) * Math.sin((lon[i]! - plon) / 2) ** 2;
    if (2 * R * Math.asin(Math.sqrt(a)) <= maxKm) d += demand[i]!;
  }
  const expected = d > 0 ? capacity[j]! / d : 0;
  worst = Math.max(worst, Math.abs(expected - est.out.ratio[j]!) / Math.max(expected, 1e-12));
}
const sampleS = seconds(t);
const baseline = (sampleS / SAMPLE) * POINTS * 2; // step 1 and step 2 each scan every square per point
line(
  `baseline O(n × m): ${SAMPLE} points measured, × ${POINTS / SAMPLE} × 2 steps`,
  fmt(baseline),
  `engine ${(baseline / est.s).toFixed(0)}× faster; max relative R_j difference ${worst.toExponential(1)}`,
);

if (!process.argv.includes('--no-network')) {
  const spacing = process.argv.includes('--fine-network') ? 0.6 : 1.2;
  t = performance.now();
  const network = buildRoadNetwork(generateNetwork(seededRandom(2026), spacing), 'bench');
  line(
    `NETWORK: generated roads (${spacing} km grid), build`,
    fmt(seconds(t)),
    `${network.edges.count} edges`,
  );
  const travel = new NetworkTravelCost(cells, engine, DEFAULT_TRAVEL_MODEL, network);
  t = performance.now();
  travel.prepareReach();
  line('NETWORK: origin snaps and indexes (once per data version)', fmt(seconds(t)));
  const net = run('NETWORK', travel);
  let fallback = 0;
  net.out.ratio.forEach((r, j) => {
    if (Math.abs(r - est.out.ratio[j]!) > 1e-9) fallback++;
  });
  line('NETWORK vs ESTIMATED: points whose R_j differs', String(fallback), '(roads are not straight lines)');
}
