/**
 * The travel-cost seam as the API uses it: the ESTIMATED and the NETWORK provider over the same generated
 * country (origins, service points, a seeded Sweden-shaped road network), measured in the same run.
 * - cold: one k = 2 access table per type (what a snapshot computes once per data version);
 * - warm: a GraphQL-sized page of 500 settlements × 9 types read from those tables with accessResultAt
 *   (what every request does) — the page costs the same whichever provider filled the tables.
 *
 * `npm run bench:travel-cost` (default: a county-sized case); `-- --country` for 600k origins on 2.5M edges.
 * Every place and point is GENERATED.
 */
import { AccessEngine } from '../src/engine/access.js';
import { buildRoadNetwork, NetworkTravelCost } from '../src/engine/travel/network.js';
import { accessResultAt, type TravelCost } from '../src/engine/travel/travel-cost.js';
import { EstimatedTravelCost } from '../src/engine/travel/estimated.js';
import { DEFAULT_TRAVEL_MODEL } from '../src/engine/types.js';
import { catalogue, codes, generateCountry, seededRandom } from './country-case.js';
import { generateNetwork } from './network-case.js';

const country = process.argv.includes('--country');
const ORIGINS = country ? 600_000 : 60_000;
const POINTS = country ? 20_000 : 2_000;

const seconds = (t0: number) => (performance.now() - t0) / 1000;
const fmt = (s: number) => (s < 1 ? `${(s * 1000).toFixed(1)} ms` : `${s.toFixed(2)} s`);
const line = (label: string, value: string, note = '') =>
  console.log(`${label.padEnd(46)} ${value.padStart(12)}  ${note}`);

const edges = generateNetwork(seededRandom(2026), country ? 0.6 : 1.2);
const { origins, points } = generateCountry(seededRandom(7), { origins: ORIGINS, points: POINTS });
console.log(
  `GENERATED case: ${origins.length} origins, ${points.length} points, ${edges.count} road edges, ${codes.length} types`,
);
const engine = new AccessEngine(points, catalogue);

let t = performance.now();
const network = buildRoadNetwork(edges, 'bench');
line(
  'road graph + snapper build',
  fmt(seconds(t)),
  `${(network.graph.bytes() / edges.count).toFixed(1)} graph bytes/edge`,
);

const providers: [string, TravelCost][] = [
  ['ESTIMATED', new EstimatedTravelCost(origins, engine, DEFAULT_TRAVEL_MODEL)],
  ['NETWORK', new NetworkTravelCost(origins, engine, DEFAULT_TRAVEL_MODEL, network)],
];
const cold = new Map<string, number>();
const warm = new Map<string, number>();
const tablesOf = new Map<string, ReturnType<TravelCost['table']>[]>();
for (const [name, provider] of providers) {
  t = performance.now();
  tablesOf.set(
    name,
    codes.map((code) => provider.table(code, { k: 2 })),
  );
  cold.set(name, seconds(t));
  line(`${name}: 9 access tables (k = 2), cold`, fmt(cold.get(name)!));
}
const networkTables = tablesOf.get('NETWORK')!;
const networkRows = networkTables.reduce((n, tb) => n + tb.method.reduce((m, x) => m + x, 0), 0);
line(
  'NETWORK rows answered by the network',
  `${((100 * networkRows) / (origins.length * codes.length)).toFixed(1)} %`,
  '(rest: estimated fallback, with the reason)',
);
/** A page of 500 settlements × 9 types, `rounds` times (spread over the origins): seconds per page. */
function page(name: string, rounds: number): number {
  const tables = tablesOf.get(name)!;
  const t0 = performance.now();
  let sink = 0;
  for (let r = 0; r < rounds; r++) {
    const start = (r * 7919) % (origins.length - 500);
    for (let i = start; i < start + 500; i++) {
      tables.forEach((table, c) => {
        sink += accessResultAt(table, i, engine.index(codes[c]!).points).travelMinutes ?? 0;
      });
    }
  }
  if (sink < 0) console.log(sink);
  return seconds(t0) / rounds;
}
// Alternate the two so that neither pays the other's warm-up or GC; keep each one's best round.
for (let round = 0; round < 4; round++) {
  for (const [name] of providers)
    warm.set(name, Math.min(warm.get(name) ?? Number.POSITIVE_INFINITY, page(name, 200)));
}
for (const [name] of providers) line(`${name}: one 500 × 9 page from the tables, warm`, fmt(warm.get(name)!));
console.log(
  `\nratios: cold NETWORK / ESTIMATED = ${(cold.get('NETWORK')! / cold.get('ESTIMATED')!).toFixed(1)}×; ` +
    `warm page NETWORK / ESTIMATED = ${(warm.get('NETWORK')! / warm.get('ESTIMATED')!).toFixed(2)}×`,
);
