/**
 * OSM → road edges in two passes without holding the file: pass 1 keeps the car-usable ways (their
 * node ids and attributes in flat typed arrays, ~8 bytes per node reference plus ~40 per way) and the
 * sorted set of node ids they use; pass 2 fills in just those nodes' coordinates. Edges are then cut
 * from memory and handed out one at a time, for the caller to insert in batches.
 *
 * With `--clip`, a node pass comes first and keeps the ids of the nodes inside the area (8 bytes each);
 * the way pass then keeps only the car-usable ways with a node among them, whole (osmium's complete_ways),
 * so memory follows the area, not the file: clipping a county out of a country holds the county's roads,
 * not the country's.
 */
import { ImportError } from '../errors.js';
import type { ProgressReporter } from '../progress.js';
import type { ClipArea } from './clip.js';
import type { EdgeStats, RoadEdge } from './edges.js';
import { EdgeSplitter, WayVertices } from './edges.js';
import { Growable } from './growable.js';
import type { OsmPasses, OsmWay } from './osm-source.js';
import type { RoadSpeeds } from './speeds.js';
import { classifyWay } from './tags.js';

/** Everything read from a road file, ready to hand out edges. */
export interface PreparedRoads {
  format: 'osm' | 'pbf' | 'geojson';
  /** Ways (OSM) or line features (GeoJSON) read. */
  waysRead: number;
  waysKept: number;
  ferryWays: number;
  /** Not kept, by reason. */
  rejected: Record<string, number>;
  /** Way node references held in memory while reading (OSM; what --clip keeps small). */
  wayRefsHeld?: number;
  /** The edges, cut as they are consumed; `stats` and `nodes()` are final once it is exhausted. */
  edges(): Generator<RoadEdge>;
  stats(): EdgeStats;
  nodes(): number;
}

/** Index of `value` in the sorted `sorted`, or -1. */
export function sortedIndexOf(sorted: Float64Array, value: number): number {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = sorted[mid]!;
    if (v < value) lo = mid + 1;
    else if (v > value) hi = mid - 1;
    else return mid;
  }
  return -1;
}

const FLAG_ONEWAY = 1;
const FLAG_FERRY = 2;

export async function readOsmRoads(
  file: string,
  passes: OsmPasses,
  speeds: RoadSpeeds,
  progressFor: (label: string) => ProgressReporter,
  clip?: ClipArea,
): Promise<PreparedRoads> {
  const refs = new Growable(Float64Array, 1 << 16);
  const wayStart = new Growable(Uint32Array);
  const wayIds = new Growable(Float64Array);
  const wayClass = new Growable(Uint32Array);
  const waySpeed = new Growable(Float64Array);
  const wayMinutes = new Growable(Float64Array);
  const wayFlags = new Growable(Uint8Array);
  const wayNames: (string | null)[] = [];
  const classNames: string[] = [];
  const classIndex = new Map<string, number>();
  const rejected: Record<string, number> = {};
  let waysRead = 0;
  let ferryWays = 0;

  // --clip: the ids of the nodes inside the area, sorted, from a first node pass.
  let insideIds: Float64Array | null = null;
  let outside = 0;
  if (clip !== undefined) {
    const inside = new Growable(Float64Array, 1 << 16);
    let sorted = true;
    await passes.nodes(
      (id, lon, lat) => {
        if (!clip.contains(lon, lat)) return;
        if (inside.length > 0 && id <= inside.view()[inside.length - 1]!) sorted = false;
        inside.push(id);
      },
      progressFor(`Reading ${file} (1/3: nodes inside ${clip.label})`),
    );
    insideIds = sorted ? inside.view() : inside.view().slice().sort();
  }
  const within = (path: readonly number[]) => {
    if (insideIds === null) return true;
    for (const ref of path) if (sortedIndexOf(insideIds, ref) >= 0) return true;
    return false;
  };
  const pass = (n: number, what: string) =>
    clip === undefined ? `Reading ${file} (${n}/2: ${what})` : `Reading ${file} (${n + 1}/3: ${what})`;

  await passes.ways(
    (way: OsmWay) => {
      waysRead++;
      const kept = classifyWay(way.tags, speeds);
      if (typeof kept === 'string') {
        rejected[kept] = (rejected[kept] ?? 0) + 1;
        return;
      }
      // A node repeated in a row (an editing slip) is one vertex, so it does not count as a second use.
      const path = way.refs.filter((ref, i) => i === 0 || ref !== way.refs[i - 1]);
      if (path.length < 2) {
        rejected['fewer than 2 nodes'] = (rejected['fewer than 2 nodes'] ?? 0) + 1;
        return;
      }
      if (!within(path)) {
        outside++;
        return;
      }
      let c = classIndex.get(kept.roadClass);
      if (c === undefined) {
        c = classNames.push(kept.roadClass) - 1;
        classIndex.set(kept.roadClass, c);
      }
      wayStart.push(refs.length);
      if (kept.direction === -1) for (let i = path.length - 1; i >= 0; i--) refs.push(path[i]!);
      else for (const ref of path) refs.push(ref);
      wayIds.push(way.id);
      wayClass.push(c);
      waySpeed.push(kept.speedKmh);
      wayMinutes.push(kept.minutes ?? Number.NaN);
      wayFlags.push((kept.direction !== 0 ? FLAG_ONEWAY : 0) | (kept.isFerry ? FLAG_FERRY : 0));
      wayNames.push(way.tags.name ?? way.tags.ref ?? null);
      if (kept.isFerry) ferryWays++;
    },
    progressFor(pass(1, 'ways')),
  );
  insideIds = null;

  const waysKeptRead = wayIds.length;
  if (clip !== undefined && outside > 0) rejected[`outside ${clip.label}`] = outside;
  if (clip !== undefined && waysKeptRead === 0 && outside > 0)
    throw new ImportError(
      `no car-usable road has a node inside ${clip.label} (${outside} car-usable ways read); ` +
        'is it the right extract for the area?',
      { file },
    );
  if (waysKeptRead === 0) {
    throw new ImportError(
      `no car-usable roads in the file (${waysRead} ways read: ${JSON.stringify(rejected)}); ` +
        'expected OSM ways tagged highway=motorway … service/track, or car ferries',
      { file },
    );
  }
  wayStart.push(refs.length);

  // The distinct node ids, sorted; their coordinates come in the node pass.
  const sorted = refs.view().slice().sort();
  let unique = 0;
  for (let i = 0; i < sorted.length; i++)
    if (unique === 0 || sorted[unique - 1] !== sorted[i]) sorted[unique++] = sorted[i]!;
  const nodeIds = sorted.slice(0, unique);
  const starts = wayStart.view();
  const allRefs = refs.view();

  const coords = new Float64Array(2 * unique).fill(Number.NaN);
  await passes.nodes(
    (id, lon, lat, line) => {
      const i = sortedIndexOf(nodeIds, id);
      if (i < 0) return;
      const where = line === null ? `node ${id}: ` : '';
      if (!(Math.abs(lon) <= 180))
        throw new ImportError(`${where}longitude ${lon} is outside -180..180`, { file, line, field: 'lon' });
      if (!(Math.abs(lat) <= 90))
        throw new ImportError(`${where}latitude ${lat} is outside -90..90`, { file, line, field: 'lat' });
      coords[2 * i] = lon;
      coords[2 * i + 1] = lat;
    },
    progressFor(pass(2, 'nodes')),
  );

  const waysKept = waysKeptRead;

  // Graph nodes: those the kept ways use twice or more, and every kept way's ends.
  const uses = new Uint8Array(unique);
  const isGraphNode = new Uint8Array(unique);
  for (let w = 0; w < waysKeptRead; w++) {
    for (let r = starts[w]!; r < starts[w + 1]!; r++) {
      const i = sortedIndexOf(nodeIds, allRefs[r]!);
      if (uses[i]! > 0) isGraphNode[i] = 1;
      else uses[i] = 1;
    }
    isGraphNode[sortedIndexOf(nodeIds, allRefs[starts[w]!]!)] = 1;
    isGraphNode[sortedIndexOf(nodeIds, allRefs[starts[w + 1]! - 1]!)] = 1;
  }

  const splitter = new EdgeSplitter(isGraphNode, new Uint8Array(unique));
  const ids = wayIds.view();
  const classes = wayClass.view();
  const wSpeed = waySpeed.view();
  const wMinutes = wayMinutes.view();
  const flags = wayFlags.view();
  return {
    format: passes.format,
    waysRead,
    waysKept,
    ferryWays,
    rejected,
    wayRefsHeld: allRefs.length,
    stats: () => splitter.stats,
    nodes: () => splitter.nodes,
    *edges() {
      const v = new WayVertices();
      for (let w = 0; w < waysKeptRead; w++) {
        const start = starts[w]!;
        const n = starts[w + 1]! - start;
        v.reset(n);
        for (let j = 0; j < n; j++) {
          const id = allRefs[start + j]!;
          const i = sortedIndexOf(nodeIds, id);
          v.keys[j] = id;
          v.index[j] = i;
          v.coords[2 * j] = coords[2 * i]!;
          v.coords[2 * j + 1] = coords[2 * i + 1]!;
        }
        const m = wMinutes[w]!;
        yield* splitter.split(v, {
          roadClass: classNames[classes[w]!]!,
          speedKmh: wSpeed[w]!,
          oneway: (flags[w]! & FLAG_ONEWAY) !== 0,
          isFerry: (flags[w]! & FLAG_FERRY) !== 0,
          wayMinutes: Number.isNaN(m) ? null : m,
          osmWayId: ids[w]!,
          name: wayNames[w]!,
        });
      }
    },
  };
}
